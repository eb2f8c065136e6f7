using ComplianceBot.Storage.Client;
using ComplianceBot.Testing;

namespace ComplianceBot.Storage.Tests;

[Collection(AzuriteGroup.Name)]
public sealed class TableStorageClientTests(AzuriteFixture azurite) : IDisposable
{
    private readonly TableStorageClient _client = AzuriteClients.Create(azurite);

    public void Dispose() => _client.Dispose();

    private async Task<string> NewTableAsync()
    {
        var table = azurite.NewTablePrefix("client");
        Assert.True(await _client.CreateTableIfNotExistsAsync(table));
        return table;
    }

    [Fact]
    public async Task CreateTableReturnsFalseWhenTableExists()
    {
        var table = await NewTableAsync();
        Assert.False(await _client.CreateTableIfNotExistsAsync(table));
        Assert.True(await _client.DeleteTableAsync(table));
        Assert.False(await _client.DeleteTableAsync(table));
    }

    [Fact]
    public async Task TypedPropertiesRoundTripWhenInsertedAndRead()
    {
        var table = await NewTableAsync();
        var when = new DateTimeOffset(2025, 3, 9, 10, 11, 12, TimeSpan.Zero).AddTicks(1234567);
        var id = Guid.NewGuid();
        var entity = new TableEntity("clinic-1", "O'Brien & co")
        {
            ["Text"] = "héllo",
            ["Int"] = 42,
            ["Long"] = 9_007_199_254_740_993L,
            ["Double"] = 2.0,
            ["Flag"] = true,
            ["When"] = when,
            ["Id"] = id,
            ["Bytes"] = new byte[] { 1, 2, 3 },
        };

        var etag = await _client.InsertAsync(table, entity);
        var read = await _client.GetEntityAsync(table, "clinic-1", "O'Brien & co");

        Assert.NotNull(read);
        Assert.False(string.IsNullOrEmpty(etag));
        Assert.Equal(etag, read.ETag);
        Assert.NotNull(read.Timestamp);
        Assert.Equal("héllo", read.GetString("Text"));
        Assert.Equal(42, read["Int"]);
        Assert.Equal(9_007_199_254_740_993L, read["Long"]);
        Assert.Equal(2.0, read["Double"]);
        Assert.Equal(true, read["Flag"]);
        Assert.Equal(when, read["When"]);
        Assert.Equal(id, read["Id"]);
        Assert.Equal(new byte[] { 1, 2, 3 }, read.GetBinary("Bytes"));
        Assert.True(read.PropertiesEqual(entity));
    }

    [Fact]
    public async Task GetReturnsNullWhenEntityIsMissing()
    {
        var table = await NewTableAsync();
        Assert.Null(await _client.GetEntityAsync(table, "p", "nope"));
    }

    [Fact]
    public async Task InsertThrows409WhenKeyExists()
    {
        var table = await NewTableAsync();
        await _client.InsertAsync(table, new TableEntity("p", "r") { ["V"] = 1 });

        var ex = await Assert.ThrowsAsync<TableStorageException>(() => _client.InsertAsync(table, new TableEntity("p", "r") { ["V"] = 2 }));

        Assert.Equal(409, ex.Status);
        Assert.Equal("EntityAlreadyExists", ex.ErrorCode);
    }

    [Fact]
    public async Task UpsertsReplaceOrMergeWhenEntityExists()
    {
        var table = await NewTableAsync();
        await _client.InsertOrReplaceAsync(table, new TableEntity("p", "r") { ["A"] = "1", ["B"] = "1" });
        await _client.InsertOrMergeAsync(table, new TableEntity("p", "r") { ["B"] = "2", ["C"] = "2" });
        var merged = await _client.GetEntityAsync(table, "p", "r");
        Assert.Equal(("1", "2", "2"), (merged!.GetString("A"), merged.GetString("B"), merged.GetString("C")));

        await _client.InsertOrReplaceAsync(table, new TableEntity("p", "r") { ["D"] = "3" });
        var replaced = await _client.GetEntityAsync(table, "p", "r");
        Assert.Null(replaced!["A"]);
        Assert.Equal("3", replaced.GetString("D"));
    }

    [Fact]
    public async Task UpdateAndMergeThrow412WhenETagIsStale()
    {
        var table = await NewTableAsync();
        var entity = new TableEntity("p", "r") { ["V"] = 1 };
        var first = await _client.InsertAsync(table, entity);
        entity["V"] = 2;
        var second = await _client.UpdateAsync(table, entity);
        Assert.NotEqual(first, second);

        var stale = new TableEntity("p", "r") { ["V"] = 3, ETag = first };
        var update = await Assert.ThrowsAsync<TableStorageException>(() => _client.UpdateAsync(table, stale));
        var merge = await Assert.ThrowsAsync<TableStorageException>(() => _client.MergeAsync(table, stale));
        var missing = await Assert.ThrowsAsync<TableStorageException>(() => _client.MergeAsync(table, new TableEntity("p", "gone") { ["V"] = 1 }, "*"));

        Assert.Equal(412, update.Status);
        Assert.Equal(412, merge.Status);
        Assert.Equal(404, missing.Status);
        Assert.Equal(2, (await _client.GetEntityAsync(table, "p", "r"))!["V"]);
    }

    [Fact]
    public async Task DeleteRemovesEntityAndHonoursIfMatch()
    {
        var table = await NewTableAsync();
        var entity = new TableEntity("p", "r") { ["V"] = 1 };
        var etag = await _client.InsertAsync(table, entity);
        await _client.UpdateAsync(table, entity);

        var stale = await Assert.ThrowsAsync<TableStorageException>(() => _client.DeleteEntityAsync(table, "p", "r", etag));
        Assert.Equal(412, stale.Status);
        Assert.True(await _client.DeleteEntityAsync(table, "p", "r", entity.ETag!));
        Assert.False(await _client.DeleteEntityAsync(table, "p", "r"));
    }

    [Fact]
    public async Task QueryFollowsContinuationWhenMoreThan1000Entities()
    {
        var table = await NewTableAsync();
        for (var batch = 0; batch < 13; batch++)
        {
            var actions = Enumerable.Range(batch * 100, 100)
                .Select(i => new TableTransactionAction(TableTransactionActionType.Insert, new TableEntity("p", i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture)) { ["N"] = i, ["Skip"] = "x" }))
                .ToList();
            await _client.SubmitTransactionAsync(table, actions);
        }

        var pages = new List<TablePage>();
        await foreach (var page in _client.QueryPagesAsync(table, "PartitionKey eq 'p' and N ge 100", ["N"]))
        {
            pages.Add(page);
        }

        var all = pages.SelectMany(p => p.Values).ToList();
        Assert.True(pages.Count >= 2, $"expected continuation, got {pages.Count} page(s)");
        Assert.Equal(1200, all.Count);
        Assert.Equal(Enumerable.Range(100, 1200), all.Select(e => (int)e["N"]!));
        Assert.All(all, e => Assert.Null(e["Skip"]));

        var small = new List<int>();
        await foreach (var page in _client.QueryPagesAsync(table, "N lt 25", pageSize: 10)) small.Add(page.Values.Count);
        Assert.Equal(25, small.Sum());
        Assert.True(small.Count >= 3);
    }

    [Fact]
    public async Task TransactionWritesNothingAndNamesIndexWhenFifthOperationFails()
    {
        var table = await NewTableAsync();
        await _client.InsertAsync(table, new TableEntity("p", "r4") { ["V"] = "existing" });
        var actions = Enumerable.Range(0, 8)
            .Select(i => new TableTransactionAction(TableTransactionActionType.Insert, new TableEntity("p", $"r{i}") { ["V"] = "new" }))
            .ToList();

        var ex = await Assert.ThrowsAsync<TableStorageException>(() => _client.SubmitTransactionAsync(table, actions));

        Assert.Equal(409, ex.Status);
        Assert.Equal(4, ex.FailedOperationIndex);
        var rows = await _client.QueryAsync(table).ToListAsync();
        Assert.Equal("r4", Assert.Single(rows).RowKey);
    }

    [Fact]
    public async Task TransactionAppliesMixedOperationsWhenAllSucceed()
    {
        var table = await NewTableAsync();
        var existing = new TableEntity("p", "u") { ["V"] = 1 };
        await _client.InsertAsync(table, existing);
        await _client.InsertAsync(table, new TableEntity("p", "d"));
        existing["V"] = 2;

        var etags = await _client.SubmitTransactionAsync(table,
        [
            new TableTransactionAction(TableTransactionActionType.Insert, new TableEntity("p", "i") { ["V"] = 1 }),
            new TableTransactionAction(TableTransactionActionType.Update, existing),
            new TableTransactionAction(TableTransactionActionType.InsertOrMerge, new TableEntity("p", "m") { ["V"] = 3 }),
            new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity("p", "d")),
        ]);

        Assert.Equal(4, etags.Count);
        Assert.NotNull(etags[0]);
        var rows = (await _client.QueryAsync(table).ToListAsync()).ToDictionary(e => e.RowKey, e => e["V"]);
        Assert.Equal(new Dictionary<string, object?> { ["i"] = 1, ["m"] = 3, ["u"] = 2 }, rows);
    }

    [Fact]
    public async Task InvalidInputIsRejectedBeforeSendingWhenLimitsAreBroken()
    {
        var counter = new FaultInjectingHandler(0);
        using var client = AzuriteClients.Create(azurite, counter);
        var table = azurite.NewTablePrefix("limits");

        var rawKey = await Assert.ThrowsAsync<ArgumentException>(() => client.InsertAsync(table, new TableEntity("p", "a/b")));
        var bigProperty = await Assert.ThrowsAsync<ArgumentException>(() => client.InsertAsync(table, new TableEntity("p", "r") { ["Notes"] = new string('x', 40_000) }));
        var bigEntity = new TableEntity("p", "r");
        for (var i = 0; i < 20; i++) bigEntity[$"P{i}"] = new string('y', 30_000);
        var oversized = await Assert.ThrowsAsync<ArgumentException>(() => client.InsertAsync(table, bigEntity));
        var tooMany = await Assert.ThrowsAsync<ArgumentException>(() => client.SubmitTransactionAsync(table,
            Enumerable.Range(0, 101).Select(i => new TableTransactionAction(TableTransactionActionType.Insert, new TableEntity("p", $"r{i}"))).ToList()));
        var twoPartitions = await Assert.ThrowsAsync<ArgumentException>(() => client.SubmitTransactionAsync(table,
            [new(TableTransactionActionType.Insert, new TableEntity("p", "1")), new(TableTransactionActionType.Insert, new TableEntity("q", "1"))]));

        Assert.Contains("U+002F", rawKey.Message, StringComparison.Ordinal);
        Assert.Contains("64 KiB", bigProperty.Message, StringComparison.Ordinal);
        Assert.Contains("1 MiB", oversized.Message, StringComparison.Ordinal);
        Assert.Contains("100", tooMany.Message, StringComparison.Ordinal);
        Assert.Contains("one partition", twoPartitions.Message, StringComparison.Ordinal);
        Assert.Equal(0, counter.Requests);
    }

    [Fact]
    public async Task EncodedKeysRoundTripWhenValuesHaveForbiddenCharacters()
    {
        var table = await NewTableAsync();
        var raw = "A-1/2#3?4\\5%6\t'7";
        await _client.InsertAsync(table, new TableEntity(TableKey.Encode(raw), TableKey.Encode(raw)) { ["Raw"] = raw });

        var read = await _client.GetEntityAsync(table, TableKey.Encode(raw), TableKey.Encode(raw));
        var queried = await _client.QueryAsync(table, $"PartitionKey eq '{TableKey.Encode(raw).Replace("'", "''", StringComparison.Ordinal)}'").ToListAsync();

        Assert.Equal(raw, TableKey.Decode(read!.RowKey));
        Assert.Equal(raw, read.GetString("Raw"));
        Assert.Single(queried);
    }

    [Fact]
    public async Task RetriedInsertIsReportedAsSuccessWhenFirstResponseWasLost()
    {
        var faults = new FaultInjectingHandler(1);
        using var client = AzuriteClients.Create(azurite, faults);
        var table = await NewTableAsync();

        var etag = await client.InsertAsync(table, new TableEntity("p", "r") { ["V"] = 1 });

        Assert.Equal(1, faults.FaultsInjected);
        var rows = await _client.QueryAsync(table).ToListAsync();
        Assert.Equal(etag, Assert.Single(rows).ETag);
    }

    [Fact]
    public async Task RetriedUpdateIsReportedAsSuccessWhenFirstResponseWasLost()
    {
        var table = await NewTableAsync();
        var entity = new TableEntity("p", "r") { ["V"] = 1 };
        await _client.InsertAsync(table, entity);
        var faults = new FaultInjectingHandler(1);
        using var client = AzuriteClients.Create(azurite, faults);

        entity["V"] = 2;
        await client.UpdateAsync(table, entity);

        Assert.Equal(1, faults.FaultsInjected);
        var stored = await _client.GetEntityAsync(table, "p", "r");
        Assert.Equal(2, stored!["V"]);
        Assert.Equal(stored.ETag, entity.ETag);
    }

    [Fact]
    public async Task RetriedTransactionIsReportedAsSuccessWhenFirstResponseWasLost()
    {
        var table = await NewTableAsync();
        var faults = new FaultInjectingHandler(1);
        using var client = AzuriteClients.Create(azurite, faults);
        var actions = Enumerable.Range(0, 5)
            .Select(i => new TableTransactionAction(TableTransactionActionType.Insert, new TableEntity("p", $"r{i}")))
            .ToList();

        var etags = await client.SubmitTransactionAsync(table, actions);

        Assert.Equal(1, faults.FaultsInjected);
        Assert.All(etags, Assert.NotNull);
        Assert.Equal(5, (await _client.QueryAsync(table).ToListAsync()).Count);
    }

    [Fact]
    public async Task ForeignWriteStillConflictsWhenRetryMeetsSomeoneElsesRow()
    {
        var table = await NewTableAsync();
        await _client.InsertAsync(table, new TableEntity("p", "r") { ["V"] = "theirs" });
        var faults = new FaultInjectingHandler(1, r => r.Method == HttpMethod.Get);
        using var client = AzuriteClients.Create(azurite, faults);

        var ex = await Assert.ThrowsAsync<TableStorageException>(() => client.InsertAsync(table, new TableEntity("p", "r") { ["V"] = "mine" }));

        Assert.Equal(409, ex.Status);
    }

    [Fact]
    public async Task TransientFailuresGiveUpAfterConfiguredAttemptsWhenServiceKeepsFailing()
    {
        var table = await NewTableAsync();
        var faults = new FaultInjectingHandler(100, _ => true);
        using var client = AzuriteClients.Create(azurite, faults);

        var ex = await Assert.ThrowsAsync<TableStorageException>(() => client.GetEntityAsync(table, "p", "r"));

        Assert.Equal(503, ex.Status);
        Assert.Equal(4, faults.Requests);
    }

    [Fact]
    public async Task StaleWriterGetsExactlyOne412AndLosesNothingWhenItRereadsAndRetries()
    {
        var table = await NewTableAsync();
        await _client.InsertAsync(table, new TableEntity("p", "staff") { ["Email"] = "a@x.test", ["Phone"] = "1" });
        var writerA = await _client.GetEntityAsync(table, "p", "staff");
        var writerB = await _client.GetEntityAsync(table, "p", "staff");

        writerA!["Email"] = "b@x.test";
        await _client.UpdateAsync(table, writerA);
        writerB!["Phone"] = "2";
        var conflicts = 0;
        while (true)
        {
            try
            {
                await _client.UpdateAsync(table, writerB);
                break;
            }
            catch (TableStorageException ex) when (ex.Status == 412)
            {
                conflicts++;
                var fresh = await _client.GetEntityAsync(table, "p", "staff");
                fresh!["Phone"] = "2";
                writerB = fresh;
            }
        }

        var final = await _client.GetEntityAsync(table, "p", "staff");
        Assert.Equal(1, conflicts);
        Assert.Equal(("b@x.test", "2"), (final!.GetString("Email"), final.GetString("Phone")));
    }
}
