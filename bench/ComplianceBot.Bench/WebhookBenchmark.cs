using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using ComplianceBot.Email.Webhook;
using ComplianceBot.Storage.Repositories;
using ComplianceBot.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace ComplianceBot.Bench;

/// <summary>
/// SendGrid's signed event webhook taking in one full batch: N events for N/3 addresses through the webhook
/// (signature check, parse, <see cref="TableDeliveryEventStore"/>) on Azurite, against a floor measured in the
/// same run: the same number of dedupe rows inserted with bare SDK transactions of 100, and one status row
/// inserted per address. Run twice: as Azurite
/// answers here, and with an added delay per storage request standing in for Azure's network latency
/// (--latency-ms, default 8), both for the webhook and for the floor.
/// </summary>
internal static class WebhookBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var events = BenchArgs.Option(args, "--events", 9000);
        var latency = TimeSpan.FromMilliseconds(BenchArgs.Option(args, "--latency-ms", 8));
        using var azurite = new AzuriteFixture();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 18, 14, 0, 0, TimeSpan.Zero));
        var webhook = new SendGridEventWebhook(Options.Create(new SendGridWebhookOptions { WebhookPublicKey = Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()) }), clock);
        var (body, headers) = SignedBatch(key, clock.GetUtcNow(), events);
        Console.WriteLine($"webhook benchmark: one signed batch of {events:N0} events ({body.Length / 1024:N0} KiB) for {events / 3:N0} addresses; {Environment.ProcessorCount} cores");

        var ok = true;
        var round = 0;
        foreach (var delay in new[] { TimeSpan.Zero, latency })
        {
            var options = new TableClientOptions();
            if (delay > TimeSpan.Zero) options.AddPolicy(new DelayPolicy(delay), HttpPipelinePosition.PerRetry);
            var service = new TableServiceClient(azurite.ConnectionString, options);
            var tables = new StorageTables(service, $"benchhook{round++}");
            await tables.DeliveryEvents.CreateIfNotExistsAsync();
            await tables.DeliveryStatus.CreateIfNotExistsAsync();
            var store = new TableDeliveryEventStore(tables);

            var floorTable = service.GetTableClient($"benchhookfloor{round}");
            await floorTable.CreateIfNotExistsAsync();
            var floorStatus = service.GetTableClient($"benchhookfloorstatus{round}");
            await floorStatus.CreateIfNotExistsAsync();
            var floor = Stopwatch.StartNew();
            await Parallel.ForEachAsync(Enumerable.Range(0, events).Chunk(100), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (chunk, ct) =>
                await floorTable.SubmitTransactionAsync(chunk.Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("day-2026-11-18", $"ev{i:D6}") { ["At"] = DateTimeOffset.UtcNow })), ct));
            await Parallel.ForEachAsync(Enumerable.Range(0, events / 3), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (a, ct) =>
                await floorStatus.AddEntityAsync(new TableEntity($"person{a}@bench.example", "latest") { ["At"] = DateTimeOffset.UtcNow }, ct));
            floor.Stop();

            var wall = Stopwatch.StartNew();
            var result = await webhook.ProcessAsync(headers, body, store);
            wall.Stop();
            var again = Stopwatch.StartNew();
            var redelivered = await webhook.ProcessAsync(headers, body, store);
            again.Stop();

            ok &= result.Recorded == events && redelivered.Duplicates == events;
            var label = delay == TimeSpan.Zero ? "Azurite as is" : $"+{delay.TotalMilliseconds} ms per storage request";
            Console.WriteLine($"{label}: webhook {wall.Elapsed.TotalSeconds:F2} s (recorded {result.Recorded:N0}); redelivered {again.Elapsed.TotalSeconds:F2} s (duplicates {redelivered.Duplicates:N0}); floor (bare: 100-row transactions 4 at once, one insert per address 32 at once) {floor.Elapsed.TotalSeconds:F2} s; ratio {wall.Elapsed / floor.Elapsed:F2}");
        }

        return ok ? 0 : 1;
    }

    private static (ReadOnlyMemory<byte> Body, IHeaderDictionary Headers) SignedBatch(ECDsa key, DateTimeOffset at, int count)
    {
        var types = new[] { "delivered", "bounce", "dropped", "spamreport" };
        var batch = Enumerable.Range(0, count).Select(i => new Dictionary<string, object>
        {
            ["email"] = $"person{i % (count / 3)}@bench.example",
            ["event"] = types[i % types.Length],
            ["sg_event_id"] = $"ev-{i:D6}",
            ["sg_message_id"] = $"msg-{i / 3:D6}",
            ["timestamp"] = at.AddMinutes(-(i % 60)).ToUnixTimeSeconds(),
            ["reason"] = "bench",
        });
        var body = JsonSerializer.SerializeToUtf8Bytes(batch);
        var timestamp = at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var signature = key.SignData([.. Encoding.UTF8.GetBytes(timestamp), .. body], HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var headers = new HeaderDictionary
        {
            [SendGridEventWebhook.SignatureHeader] = Convert.ToBase64String(signature),
            [SendGridEventWebhook.TimestampHeader] = timestamp,
        };
        return (body, headers);
    }

    /// <summary>Adds a fixed delay to every storage request, standing in for the network between Azure Functions and Table Storage.</summary>
    private sealed class DelayPolicy(TimeSpan delay) : HttpPipelinePolicy
    {
        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            await Task.Delay(delay, message.CancellationToken);
            await ProcessNextAsync(message, pipeline);
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Thread.Sleep(delay);
            ProcessNext(message, pipeline);
        }
    }
}
