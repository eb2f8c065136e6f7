using System.Diagnostics;
using System.Net;
using Azure;
using Azure.Data.Tables;
using Azure.Data.Tables.Models;
using ComplianceBot.Storage.Tables;
using ComplianceBot.Testing;

namespace ComplianceBot.Storage.Tests;

/// <summary>
/// What <see cref="TableClientExtensions"/> adds to the SDK, against Azurite: writes that recognise their own
/// lost answers, the ETag/409/412/404 outcomes as the SDK reports them, and transactions refused before
/// sending when the service would refuse them (or, for two partitions, when Azurite would wrongly accept them).
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class TableClientExtensionsTests(AzuriteFixture azurite)
{
    private readonly TableServiceClient _service = AzuriteClients.Create(azurite);

    private async Task<TableClient> NewTableAsync(TableServiceClient? through = null)
    {
        var name = azurite.NewTablePrefix("ext");
        await _service.CreateTableIfNotExistsAsync(name);
        return (through ?? _service).GetTableClient(name);
    }

    private static List<TableTransactionAction> Adds(string partition, int count, Func<int, string>? rowKey = null) =>
        Enumerable.Range(0, count)
            .Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(partition, rowKey?.Invoke(i) ?? $"r{i:D3}") { ["N"] = i }))
            .ToList();

    [Fact]
    public async Task AddReturnsTheStoredETagAndStampsAnOperationIdWhenTheKeyIsFree()
    {
        var table = await NewTableAsync();
        var entity = new TableEntity("p", "r") { ["V"] = 1, ["Absent"] = null };

        var etag = await table.AddEntityOnceAsync(entity, default);

        var stored = (await table.GetEntityAsync<TableEntity>("p", "r")).Value;
        Assert.Equal(stored.ETag, etag);
        Assert.Equal(etag, entity.ETag);
        Assert.Matches("^[0-9a-f]{32}$", stored.GetString(TableEntities.OperationIdProperty));
        Assert.False(stored.ContainsKey("Absent"));
    }

    [Fact]
    public async Task AddThrowsTheSdks409WithoutReadingBackWhenSomeoneElsesRowHasTheKey()
    {
        using var counter = new RequestCountingHandler();
        var table = await NewTableAsync(AzuriteClients.Create(azurite, counter));
        await table.AddEntityAsync(new TableEntity("p", "r") { ["V"] = "theirs" });

        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => table.AddEntityOnceAsync(new TableEntity("p", "r") { ["V"] = "mine" }, default));

        Assert.Equal(409, ex.Status);
        Assert.Equal(TableErrorCode.EntityAlreadyExists.ToString(), ex.ErrorCode);
        Assert.Equal(0, counter.Count(HttpMethod.Get));
    }

    [Fact]
    public async Task UpdateReplaceThrows412OnAStaleETagAnd404WhenTheRowIsGone()
    {
        var table = await NewTableAsync();
        var entity = new TableEntity("p", "r") { ["V"] = 1 };
        var first = await table.AddEntityOnceAsync(entity, default);
        entity["V"] = 2;
        var second = await table.UpdateReplaceOnceAsync(entity, first, default);

        var stale = await Assert.ThrowsAsync<RequestFailedException>(() => table.UpdateReplaceOnceAsync(new TableEntity("p", "r") { ["V"] = 3 }, first, default));
        var missing = await Assert.ThrowsAsync<RequestFailedException>(() => table.UpdateReplaceOnceAsync(new TableEntity("p", "gone") { ["V"] = 1 }, first, default));
        var blind = await Assert.ThrowsAsync<ArgumentException>(() => table.UpdateReplaceOnceAsync(new TableEntity("p", "r") { ["V"] = 4 }, ETag.All, default));

        Assert.NotEqual(first, second);
        Assert.Equal(412, stale.Status);
        Assert.Equal(404, missing.Status);
        Assert.Contains("'*'", blind.Message, StringComparison.Ordinal);
        Assert.Equal(2, (await table.GetEntityAsync<TableEntity>("p", "r")).Value.GetInt32("V"));
    }

    [Fact]
    public async Task DeleteHonoursTheETagAndTellsWhetherTheRowExisted()
    {
        var table = await NewTableAsync();
        var entity = new TableEntity("p", "r") { ["V"] = 1 };
        var first = await table.AddEntityOnceAsync(entity, default);
        var current = await table.UpdateReplaceOnceAsync(entity, first, default);

        var stale = await Assert.ThrowsAsync<RequestFailedException>(() => table.DeleteEntityOnceAsync("p", "r", first, default));
        var deleted = await table.DeleteEntityOnceAsync("p", "r", current, default);
        var again = await table.DeleteEntityOnceAsync("p", "r", ETag.All, default);

        Assert.Equal(412, stale.Status);
        Assert.True(deleted);
        Assert.False(again);
    }

    [Fact]
    public async Task ExactlyOneStaleWriterGets412AndNothingIsLostWhenItRereadsAndRetries()
    {
        var table = await NewTableAsync();
        await table.AddEntityOnceAsync(new TableEntity("p", "staff") { ["Email"] = "a@x.test", ["Phone"] = "1" }, default);
        var writerA = (await table.GetEntityAsync<TableEntity>("p", "staff")).Value;
        var writerB = (await table.GetEntityAsync<TableEntity>("p", "staff")).Value;

        writerA["Email"] = "b@x.test";
        await table.UpdateReplaceOnceAsync(writerA, writerA.ETag, default);
        var conflicts = 0;
        writerB["Phone"] = "2";
        while (true)
        {
            try
            {
                await table.UpdateReplaceOnceAsync(writerB, writerB.ETag, default);
                break;
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                conflicts++;
                writerB = (await table.GetEntityAsync<TableEntity>("p", "staff")).Value;
                writerB["Phone"] = "2";
            }
        }

        var final = (await table.GetEntityAsync<TableEntity>("p", "staff")).Value;
        Assert.Equal(1, conflicts);
        Assert.Equal(("b@x.test", "2"), (final.GetString("Email"), final.GetString("Phone")));
    }

    [Fact]
    public async Task RetriedAddIsReportedAsSuccessWhenTheFirstAnswerWasLost()
    {
        using var faults = new FaultInjectingHandler(1);
        var table = await NewTableAsync(AzuriteClients.Create(azurite, faults));

        var etag = await table.AddEntityOnceAsync(new TableEntity("p", "r") { ["V"] = 1 }, default);

        Assert.Equal(1, faults.FaultsInjected);
        var rows = await table.QueryAsync<TableEntity>().ToListAsync();
        Assert.Equal(etag, Assert.Single(rows).ETag);
    }

    [Fact]
    public async Task RetriedUpdateReplaceIsReportedAsSuccessWhenTheFirstAnswerWasLost()
    {
        using var faults = new FaultInjectingHandler(0);
        var table = await NewTableAsync(AzuriteClients.Create(azurite, faults));
        var entity = new TableEntity("p", "r") { ["V"] = 1 };
        var etag = await table.AddEntityOnceAsync(entity, default);

        faults.Arm(1);
        entity["V"] = 2;
        var updated = await table.UpdateReplaceOnceAsync(entity, etag, default);

        Assert.Equal(1, faults.FaultsInjected);
        var stored = (await table.GetEntityAsync<TableEntity>("p", "r")).Value;
        Assert.Equal(2, stored.GetInt32("V"));
        Assert.Equal(stored.ETag, updated);
    }

    [Fact]
    public async Task RetriedDeleteIsReportedAsDoneWhenTheFirstAnswerWasLost()
    {
        using var faults = new FaultInjectingHandler(0);
        var table = await NewTableAsync(AzuriteClients.Create(azurite, faults));
        var etag = await table.AddEntityOnceAsync(new TableEntity("p", "r"), default);

        faults.Arm(1);
        var deleted = await table.DeleteEntityOnceAsync("p", "r", etag, default);

        Assert.Equal(1, faults.FaultsInjected);
        Assert.True(deleted);
        Assert.Empty(await table.QueryAsync<TableEntity>().ToListAsync());
    }

    [Fact]
    public async Task RetriedTransactionIsReportedAsSuccessWhenTheFirstAnswerWasLost()
    {
        using var faults = new FaultInjectingHandler(1);
        var table = await NewTableAsync(AzuriteClients.Create(azurite, faults));

        await table.SubmitTransactionOnceAsync(Adds("p", 5), default);

        Assert.Equal(1, faults.FaultsInjected);
        Assert.Equal(5, (await table.QueryAsync<TableEntity>().ToListAsync()).Count);
    }

    [Fact]
    public async Task RetryThatMeetsSomeoneElsesRowStillConflictsWhenTheFirstAttemptNeverArrived()
    {
        using var faults = new FaultInjectingHandler(0);
        var table = await NewTableAsync(AzuriteClients.Create(azurite, faults));
        await table.AddEntityAsync(new TableEntity("p", "r") { ["V"] = "theirs" });

        // The first attempt is answered 503 without reaching Azurite; the retry meets the other writer's row.
        faults.Arm(1, forward: false);
        var single = await Assert.ThrowsAsync<RequestFailedException>(() => table.AddEntityOnceAsync(new TableEntity("p", "r") { ["V"] = "mine" }, default));
        faults.Arm(1, forward: false);
        var batch = await Assert.ThrowsAsync<TableTransactionFailedException>(() => table.SubmitTransactionOnceAsync(Adds("p", 3, i => i == 2 ? "r" : $"n{i}"), default));

        Assert.Equal(2, faults.FaultsInjected);
        Assert.Equal(409, single.Status);
        Assert.Equal((409, 2), (batch.Status, batch.FailedTransactionActionIndex));
        Assert.Equal("theirs", Assert.Single(await table.QueryAsync<TableEntity>().ToListAsync()).GetString("V"));
    }

    [Fact]
    public async Task TransactionWritesNothingAndNamesTheFailedActionIndexWhenTheFifthAddMeetsAnExistingRow()
    {
        var table = await NewTableAsync();
        await table.AddEntityOnceAsync(new TableEntity("p", "r004") { ["N"] = -1 }, default);

        var ex = await Assert.ThrowsAsync<TableTransactionFailedException>(() => table.SubmitTransactionOnceAsync(Adds("p", 8), default));

        Assert.Equal(409, ex.Status);
        Assert.Equal(4, ex.FailedTransactionActionIndex);
        Assert.Equal("r004", Assert.Single(await table.QueryAsync<TableEntity>().ToListAsync()).RowKey);
    }

    [Fact]
    public async Task TransactionAppliesAddUpdateUpsertAndDeleteTogetherWhenAllSucceed()
    {
        var table = await NewTableAsync();
        var existing = new TableEntity("p", "u") { ["V"] = 1 };
        var etag = await table.AddEntityOnceAsync(existing, default);
        await table.AddEntityOnceAsync(new TableEntity("p", "d"), default);
        existing["V"] = 2;

        await table.SubmitTransactionOnceAsync(
            [
                new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "i") { ["V"] = 1 }),
                new TableTransactionAction(TableTransactionActionType.UpdateReplace, existing, etag),
                new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity("p", "m") { ["V"] = 3 }),
                new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity("p", "d"), ETag.All),
            ],
            default);

        var rows = (await table.QueryAsync<TableEntity>().ToListAsync()).ToDictionary(e => e.RowKey, e => e.GetInt32("V"));
        Assert.Equal(new Dictionary<string, int?> { ["i"] = 1, ["m"] = 3, ["u"] = 2 }, rows);
    }

    [Fact]
    public async Task TransactionOfExactlyOneHundredActionsIsSent()
    {
        var table = await NewTableAsync();

        await table.SubmitTransactionOnceAsync(Adds("p", 100), default);

        Assert.Equal(100, (await table.QueryAsync<TableEntity>().ToListAsync()).Count);
    }

    [Fact]
    public async Task BrokenRulesAreRefusedBeforeAnyRequestWhenATransactionOrEntityWouldFailOnAzure()
    {
        using var counter = new RequestCountingHandler();
        var table = (await NewTableAsync()).Name;
        var client = AzuriteClients.Create(azurite, counter).GetTableClient(table);
        var bigEntity = new TableEntity("p", "r");
        for (var i = 0; i < 20; i++) bigEntity[$"P{i}"] = new string('y', 30_000);
        var wide = new TableEntity("p", "r");
        for (var i = 0; i < 253; i++) wide[$"P{i}"] = i;

        var tooMany = await Assert.ThrowsAsync<ArgumentException>(() => client.SubmitTransactionOnceAsync(Adds("p", 101), default));
        var twoPartitions = await Assert.ThrowsAsync<ArgumentException>(() => client.SubmitTransactionOnceAsync([.. Adds("p", 1), .. Adds("q", 1)], default));
        var twice = await Assert.ThrowsAsync<ArgumentException>(() => client.SubmitTransactionOnceAsync(Adds("p", 2, _ => "same"), default));
        var empty = await Assert.ThrowsAsync<ArgumentException>(() => client.SubmitTransactionOnceAsync([], default));
        var overFourMiB = await Assert.ThrowsAsync<ArgumentException>(() => client.SubmitTransactionOnceAsync(
            Enumerable.Range(0, 50).Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", $"r{i}") { ["A"] = new string('z', 30_000) })).ToList(), default));
        var rawKey = await Assert.ThrowsAsync<ArgumentException>(() => client.AddEntityOnceAsync(new TableEntity("p", "a/b"), default));
        var bigProperty = await Assert.ThrowsAsync<ArgumentException>(() => client.AddEntityOnceAsync(new TableEntity("p", "r") { ["Notes"] = new string('x', 40_000) }, default));
        var oversized = await Assert.ThrowsAsync<ArgumentException>(() => client.AddEntityOnceAsync(bigEntity, default));
        var tooWide = await Assert.ThrowsAsync<ArgumentException>(() => client.AddEntityOnceAsync(wide, default));
        var rawKeyRead = await Assert.ThrowsAsync<ArgumentException>(() => client.GetEntityOrNullAsync("p", "a?b", default));

        Assert.Contains("100", tooMany.Message, StringComparison.Ordinal);
        Assert.Contains("one partition", twoPartitions.Message, StringComparison.Ordinal);
        Assert.Contains("once", twice.Message, StringComparison.Ordinal);
        Assert.Contains("1 to 100", empty.Message, StringComparison.Ordinal);
        Assert.Contains("4 MiB", overFourMiB.Message, StringComparison.Ordinal);
        Assert.Contains("U+002F", rawKey.Message, StringComparison.Ordinal);
        Assert.Contains("64 KiB", bigProperty.Message, StringComparison.Ordinal);
        Assert.Contains("1 MiB", oversized.Message, StringComparison.Ordinal);
        Assert.Contains("252", tooWide.Message, StringComparison.Ordinal);
        Assert.Contains("U+003F", rawKeyRead.Message, StringComparison.Ordinal);
        Assert.Equal(0, counter.Total);
    }

    [Fact]
    public async Task EncodedKeysRoundTripThroughUrlsAndFiltersWhenValuesHaveForbiddenCharactersAndQuotes()
    {
        var table = await NewTableAsync();
        const string raw = "A-1/2#3?4\\5%6\t'7 O'Brien";
        var key = TableKey.Encode(raw);
        await table.AddEntityOnceAsync(new TableEntity(key, key) { ["Raw"] = raw }, default);

        var read = await table.GetEntityOrNullAsync(key, key, default);
        var queried = await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {key} and RowKey eq {key}")).ToListAsync();
        var deleted = await table.DeleteEntityOnceAsync(key, key, read!.ETag, default);

        Assert.Equal(raw, TableKey.Decode(read.RowKey));
        Assert.Equal(raw, read.GetString("Raw"));
        Assert.Single(queried);
        Assert.True(deleted);
    }

    [Fact]
    public async Task GivesUpWithTheLastStatusAfterTheConfiguredAttemptsWhenStorageKeepsAnswering503()
    {
        using var faults = new FaultInjectingHandler(100, _ => true);
        var table = await NewTableAsync(AzuriteClients.Create(azurite, faults));

        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => table.GetEntityOrNullAsync("p", "r", default));

        Assert.Equal(503, ex.Status);
        Assert.Equal(4, faults.Requests);
    }

    [Fact]
    public async Task FailsWithStatusZeroAfterEveryAttemptWhenTheNetworkFails()
    {
        using var refused = new StubHandler(_ => throw new HttpRequestException("connection refused"));
        var table = AzuriteClients.Create(azurite, refused).GetTableClient("anytable");

        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => table.AddEntityOnceAsync(new TableEntity("p", "r"), default));

        Assert.Equal(0, ex.Status);
        Assert.Equal(4, refused.Requests);
    }

    [Fact]
    public async Task FailsWithinTheWorstCaseAsStatusZeroWhenStorageHangs()
    {
        using var hung = new StubHandler(_ => null);
        var options = AzuriteClients.Options(azurite);
        options.AttemptTimeout = TimeSpan.FromMilliseconds(300);
        options.MaxRetries = 2;
        var table = AzuriteClients.Create(azurite, hung, options).GetTableClient("anytable");
        var clock = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => table.GetEntityOrNullAsync("p", "r", default));
        clock.Stop();

        // Not an OperationCanceledException: callers that stop only on their own cancellation must see a storage failure.
        Assert.Equal(0, ex.Status);
        Assert.Equal(3, hung.Requests);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(900), options.WorstCaseCall + TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task EndsEveryCallOfARequestAtTheRequestsDeadlineWhenStorageHangs()
    {
        using var hung = new StubHandler(_ => null);
        var options = AzuriteClients.Options(azurite); // 10 s an attempt and 3 retries: 40 s and more a call
        var table = AzuriteClients.Create(azurite, hung, options).GetTableClient("anytable");
        var clock = Stopwatch.StartNew();

        using (StorageDeadline.Begin(TimeSpan.FromSeconds(1)))
        {
            // The first call's attempt is cut to the time left; the call after it does not start an attempt.
            await Assert.ThrowsAsync<StorageDeadlineExceededException>(() => table.GetEntityOrNullAsync("p", "r", default));
            var second = await Assert.ThrowsAsync<StorageDeadlineExceededException>(() => table.GetEntityOrNullAsync("p", "r2", default));
            Assert.Contains("within the request's 1 s", second.Message, StringComparison.Ordinal);
        }

        clock.Stop();
        Assert.Equal(1, hung.Requests);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(3)); // 1 s and one backoff at most
        Assert.True(options.WorstCaseCall > TimeSpan.FromSeconds(40), options.WorstCaseCall.ToString());
    }

    [Fact]
    public async Task ADeadlineLongerThanAnAttemptLeavesTheAttemptTimeoutAsItIs()
    {
        using var hung = new StubHandler(_ => null);
        var options = AzuriteClients.Options(azurite);
        options.AttemptTimeout = TimeSpan.FromMilliseconds(300);
        options.MaxRetries = 1;
        var table = AzuriteClients.Create(azurite, hung, options).GetTableClient("anytable");
        var clock = Stopwatch.StartNew();

        using (StorageDeadline.Begin(TimeSpan.FromSeconds(30)))
        {
            var ex = await Assert.ThrowsAsync<RequestFailedException>(() => table.GetEntityOrNullAsync("p", "r", default));
            Assert.Equal(0, ex.Status);
        }

        Assert.Equal(2, hung.Requests);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(600), options.WorstCaseCall + TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task TheCallersCancellationStaysACancellationWhenStorageHangs()
    {
        using var hung = new StubHandler(_ => null);
        var table = AzuriteClients.Create(azurite, hung).GetTableClient("anytable");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => table.GetEntityOrNullAsync("p", "r", cancel.Token));
    }

    /// <summary>Answers every request itself: with what <c>answer</c> returns, or never when it returns null (a hung storage).</summary>
    private sealed class StubHandler(Func<HttpRequestMessage, HttpResponseMessage?> answer) : HttpMessageHandler
    {
        private int _requests;

        public int Requests => Volatile.Read(ref _requests);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            if (answer(request) is { } response) return response;
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return new HttpResponseMessage(HttpStatusCode.GatewayTimeout);
        }
    }
}
