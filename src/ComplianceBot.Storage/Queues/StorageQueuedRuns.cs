using Azure;
using Azure.Storage.Queues;
using ComplianceBot.Application.Ports;
using ComplianceBot.Application.Reminders;

namespace ComplianceBot.Storage.Queues;

/// <summary>
/// The clinic-run queue and its poison queue on Azure Queue Storage (Azurite locally). Messages are base64, the
/// Functions queue extension's default encoding, so the host, the local host and the portal read the same bytes.
/// </summary>
public sealed class StorageQueuedRuns(QueueServiceClient service, string name) : IQueuedRuns
{
    /// <summary>Messages put on the queue at once by one timer run (1,000 clinics: about a second on Azurite).</summary>
    private const int EnqueueConcurrency = 16;

    /// <summary>The most messages Queue Storage shows without taking them off the queue.</summary>
    private const int PeekLimit = 32;

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
            async (run, ct) => await Queue.SendMessageAsync(run.ToJson(), ct).ConfigureAwait(false)).ConfigureAwait(false);
    }

    public async Task<SetAsideRuns> ListSetAsideAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var properties = await Poison.GetPropertiesAsync(cancellationToken).ConfigureAwait(false);
            if (properties.Value.ApproximateMessagesCount == 0) return SetAsideRuns.None;
            var peeked = await Poison.PeekMessagesAsync(PeekLimit, cancellationToken).ConfigureAwait(false);
            var runs = peeked.Value
                .Select(m => m.Body.ToString())
                .Zip(peeked.Value, (body, m) => new SetAsideRun(ClinicRunMessage.TryParse(body), body, m.InsertedOn))
                .ToList();
            return new SetAsideRuns(Math.Max(properties.Value.ApproximateMessagesCount, runs.Count), runs);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return SetAsideRuns.None; // no run has ever been set aside here
        }
    }

    private static async Task CreateAsync(QueueServiceClient service, string name)
    {
        await service.GetQueueClient(name).CreateIfNotExistsAsync().ConfigureAwait(false);
        await service.GetQueueClient(name + ClinicRunQueueName.PoisonSuffix).CreateIfNotExistsAsync().ConfigureAwait(false);
    }
}
