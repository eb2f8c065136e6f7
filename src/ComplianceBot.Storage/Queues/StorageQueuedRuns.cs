using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using ComplianceBot.Application.Ports;
using ComplianceBot.Application.Reminders;

namespace ComplianceBot.Storage.Queues;

/// <summary>
/// The clinic-run queue and its poison queue on Azure Queue Storage (Azurite locally). Messages are base64, the
/// Functions queue extension's default encoding, so the host, the local host and the portal read the same bytes;
/// <see cref="QueueText"/> encodes and decodes each one, so a message that is not base64 is reported, not fatal.
/// </summary>
public sealed class StorageQueuedRuns(QueueServiceClient service, string name) : IQueuedRuns
{
    /// <summary>Messages put on the queue at once by one timer run (1,000 clinics: about a second on Azurite).</summary>
    private const int EnqueueConcurrency = 16;

    /// <summary>The most messages Queue Storage shows (peek) or hands out (receive) in one call.</summary>
    private const int MessagesPerCall = 32;

    /// <summary>How long a set-aside message being put back stays hidden from another reader.</summary>
    private static readonly TimeSpan RequeueHold = TimeSpan.FromMinutes(5);

    private readonly Lock _gate = new();
    private Task? _created;

    public QueueClient Queue { get; } = service.GetQueueClient(name);

    public QueueClient Poison { get; } = service.GetQueueClient(name + ClinicRunQueueName.PoisonSuffix);

    /// <summary>Creates both queues once per process (infra/ creates them in Azure; Azurite starts empty).</summary>
    public Task EnsureCreatedAsync()
    {
        lock (_gate)
        {
            // A failed attempt (storage down) is not remembered: the next call tries again.
            if (_created is null || _created.IsFaulted || _created.IsCanceled) _created = CreateAsync(service, name);
            return _created;
        }
    }

    public async Task EnqueueAsync(IReadOnlyList<ClinicRunMessage> runs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runs);
        await EnsureCreatedAsync().ConfigureAwait(false);
        await Parallel.ForEachAsync(
            runs,
            new ParallelOptions { MaxDegreeOfParallelism = EnqueueConcurrency, CancellationToken = cancellationToken },
            async (run, ct) => await Queue.SendMessageAsync(QueueText.Encode(run.ToJson()), ct).ConfigureAwait(false)).ConfigureAwait(false);
    }

    public async Task<SetAsideRuns> ListSetAsideAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var properties = await Poison.GetPropertiesAsync(cancellationToken).ConfigureAwait(false);
            if (properties.Value.ApproximateMessagesCount == 0) return SetAsideRuns.None;
            var peeked = await Poison.PeekMessagesAsync(MessagesPerCall, cancellationToken).ConfigureAwait(false);
            var runs = peeked.Value
                .Select(m => QueueText.Read(m.Body))
                .Zip(peeked.Value, (body, m) => new SetAsideRun(ClinicRunMessage.TryParse(body), body, m.InsertedOn))
                .ToList();
            return new SetAsideRuns(Math.Max(properties.Value.ApproximateMessagesCount, runs.Count), runs);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return SetAsideRuns.None; // no run has ever been set aside here
        }
    }

    public async Task<RequeuedRuns> RequeueSetAsideAsync(CancellationToken cancellationToken = default)
    {
        await EnsureCreatedAsync().ConfigureAwait(false);
        var requeued = new List<SetAsideRun>();
        var unreadable = new Dictionary<string, QueueMessage>(StringComparer.Ordinal);
        try
        {
            var wrapped = false;
            while (!wrapped)
            {
                // Each message received stays hidden while this pass runs, so none is taken twice and the pass ends.
                var received = (await Poison.ReceiveMessagesAsync(MessagesPerCall, RequeueHold, cancellationToken).ConfigureAwait(false)).Value;
                if (received.Length == 0) break;
                foreach (var message in received)
                {
                    var body = QueueText.Read(message.Body);
                    if (ClinicRunMessage.TryParse(body) is not { } run)
                    {
                        // Seen before: the pass outlasted the hold and came round again; what is left was seen already.
                        wrapped |= unreadable.ContainsKey(message.MessageId);
                        unreadable[message.MessageId] = message;
                        continue;
                    }

                    // Sent before it is deleted: a pass stopped in between leaves the run on both queues, and running
                    // it twice sends nothing twice (the ledger decides), where the other order could lose it.
                    await Queue.SendMessageAsync(QueueText.Encode(run.ToJson()), cancellationToken).ConfigureAwait(false);
                    await Poison.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken).ConfigureAwait(false);
                    requeued.Add(new SetAsideRun(run, body, message.InsertedOn));
                }
            }
        }
        finally
        {
            // What is not a clinic run stays set aside, and is shown again at once rather than when the hold ends.
            foreach (var message in unreadable.Values)
            {
                try
                {
                    await Poison.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: CancellationToken.None).ConfigureAwait(false);
                }
                catch (RequestFailedException)
                {
                    // Its hold ran out (the receipt is stale) or storage did not answer: it shows again when the hold ends.
                }
            }
        }

        return new RequeuedRuns(requeued, [.. unreadable.Values.Select(m => new SetAsideRun(null, QueueText.Read(m.Body), m.InsertedOn))]);
    }

    private static async Task CreateAsync(QueueServiceClient service, string name)
    {
        await service.GetQueueClient(name).CreateIfNotExistsAsync().ConfigureAwait(false);
        await service.GetQueueClient(name + ClinicRunQueueName.PoisonSuffix).CreateIfNotExistsAsync().ConfigureAwait(false);
    }
}
