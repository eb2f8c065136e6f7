using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using ComplianceBot.Functions.Hosting;
using ComplianceBot.Storage.Queues;

namespace ComplianceBot.LocalHost;

/// <summary>
/// Feeds a queue function from its Storage queue (Azurite here) by the rules the Functions host's queue extension
/// follows in Azure (<see cref="QueueRules"/>, read from host.json): fetch up to BatchSize messages, fetch more once
/// no more than NewBatchThreshold are still running; delete a message whose run succeeded; make a failed one visible
/// again after VisibilityTimeout; move one that failed its MaxDequeueCount-th attempt (or arrives with more attempts
/// than that, e.g. after crashes) to <c>{queue}-poison</c>. While a run lasts its message stays invisible: leased for
/// <see cref="MessageLease"/> and renewed at half of it, so a process that dies mid-run lets its messages reappear
/// after at most one lease.
/// </summary>
public sealed class LocalQueueListener
{
    /// <summary>Setting: how long a message being run stays invisible before another reader may take it (default 10 minutes, as the host).</summary>
    public const string MessageLeaseSetting = "LocalHost:QueueMessageLease";

    private readonly QueueFunction _function;
    private readonly QueueClient _queue;
    private readonly QueueClient _poison;
    private readonly LocalFunctionInvoker _invoker;
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;

    public LocalQueueListener(QueueFunction function, QueueServiceClient queues, QueueRules rules, LocalFunctionInvoker invoker, IServiceProvider services, IConfiguration configuration, ILogger<LocalQueueListener> logger)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(queues);
        ArgumentNullException.ThrowIfNull(configuration);
        _function = function;
        Rules = rules;
        _invoker = invoker;
        _services = services;
        _logger = logger;
        var name = QueueName(function, configuration);
        _queue = queues.GetQueueClient(name);
        _poison = queues.GetQueueClient(name + ClinicRunQueueName.PoisonSuffix);
        MessageLease = configuration.GetValue(MessageLeaseSetting, TimeSpan.FromMinutes(10));
        if (MessageLease < TimeSpan.FromSeconds(2)) throw new InvalidOperationException($"{MessageLeaseSetting} must be at least 00:00:02.");
    }

    public QueueRules Rules { get; }

    public TimeSpan MessageLease { get; }

    /// <summary>What one listener did: runs that succeeded, attempts that failed (with their errors), messages set aside.</summary>
    public sealed class Tally
    {
        private int _succeeded;
        private int _poisoned;

        public int Succeeded => _succeeded;

        public int Poisoned => _poisoned;

        public System.Collections.Concurrent.ConcurrentQueue<Exception> Failures { get; } = new();

        internal void Success() => Interlocked.Increment(ref _succeeded);

        internal void Poison() => Interlocked.Increment(ref _poisoned);
    }

    /// <summary>The queue name a function's trigger means in this configuration.</summary>
    public static string QueueName(QueueFunction function, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(configuration);
        if (function.QueueSetting is null) return function.Queue;
        if (function.QueueSetting == ClinicRunQueueName.Setting) return ClinicRunQueueName.In(configuration);
        return configuration[function.QueueSetting] is { Length: > 0 } name
            ? name
            : throw new InvalidOperationException($"The {function.Name} function's queue is the app setting {function.QueueSetting}, which is not set.");
    }

    /// <summary>
    /// Listens until <paramref name="cancellationToken"/> ends, or, with <paramref name="untilEmpty"/>, until the queue
    /// holds no message at all (none waiting, none being run or waiting for a retry): tests and benchmarks drain it so.
    /// </summary>
    public async Task<Tally> ListenAsync(bool untilEmpty, CancellationToken cancellationToken)
    {
        await _queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await _poison.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var tally = new Tally();
        var running = new List<Task>();
        var idle = TimeSpan.FromMilliseconds(100);
        while (!cancellationToken.IsCancellationRequested)
        {
            running.RemoveAll(t => t.IsCompleted);
            if (running.Count > Rules.NewBatchThreshold)
            {
                await Task.WhenAny(running).ConfigureAwait(false);
                continue;
            }

            QueueMessage[] batch;
            try
            {
                batch = (await _queue.ReceiveMessagesAsync(Rules.BatchSize, MessageLease, cancellationToken).ConfigureAwait(false)).Value;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // Storage unreachable (an error answer, or retries that timed out): the messages are safe in the queue; look again later.
                LocalQueueLog.ReceiveFailed(_logger, ex, _queue.Name);
                batch = [];
            }

            if (batch.Length > 0)
            {
                idle = TimeSpan.FromMilliseconds(100);
                running.AddRange(batch.Select(m => Task.Run(() => ProcessAsync(m, tally, cancellationToken), CancellationToken.None)));
                continue;
            }

            if (untilEmpty && running.Count == 0 && await IsEmptyAsync(cancellationToken).ConfigureAwait(false)) break;

            // Nothing to fetch: wait, backing off up to MaxPollingInterval as the host does, or until a run ends.
            var wait = Task.Delay(untilEmpty ? TimeSpan.FromMilliseconds(50) : idle, cancellationToken);
            await Task.WhenAny(running.Append(wait)).ConfigureAwait(false);
            idle = TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, Rules.MaxPollingInterval.Ticks));
        }

        await Task.WhenAll(running).ConfigureAwait(false);
        return tally;
    }

    private async Task<bool> IsEmptyAsync(CancellationToken cancellationToken)
    {
        try
        {
            return (await _queue.GetPropertiesAsync(cancellationToken).ConfigureAwait(false)).Value.ApproximateMessagesCount == 0;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task ProcessAsync(QueueMessage message, Tally tally, CancellationToken cancellationToken)
    {
        var receipt = new Receipt(message.PopReceipt);
        try
        {
            // Not base64: the host cannot decode it either and sets it aside at once, unchanged and unrun.
            if (!QueueText.TryDecode(message.Body, out var text))
            {
                tally.Failures.Enqueue(new FormatException($"Message {message.MessageId} is not base64, the queue extension's encoding; it was set aside unrun."));
                await SetAsideAsync(message, receipt, tally).ConfigureAwait(false);
                return;
            }

            // Already tried as often as allowed (runs that crashed the process count too): set aside unrun, as the host does.
            if (message.DequeueCount > Rules.MaxDequeueCount)
            {
                await SetAsideAsync(message, receipt, tally).ConfigureAwait(false);
                return;
            }

            Exception? failure = null;
            using (var renewal = new CancellationTokenSource())
            {
                var renewing = RenewAsync(message, receipt, renewal.Token);
                try
                {
                    await _invoker.InvokeQueueAsync(_function, text, _services, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    // Stopping: hand the message back at once (an attempt spent, as in the host), so the next reader runs it;
                    // the renewal stops first, so the hand-back uses the latest pop receipt.
                    await renewal.CancelAsync().ConfigureAwait(false);
                    await renewing.ConfigureAwait(false);
                    await _queue.UpdateMessageAsync(message.MessageId, receipt.Value, visibilityTimeout: TimeSpan.Zero, cancellationToken: CancellationToken.None).ConfigureAwait(false);
                    throw;
                }
                catch (Exception ex)
                {
                    failure = ex;
                }
                finally
                {
                    await renewal.CancelAsync().ConfigureAwait(false);
                    await renewing.ConfigureAwait(false);
                }
            }

            if (failure is null)
            {
                await _queue.DeleteMessageAsync(message.MessageId, receipt.Value, CancellationToken.None).ConfigureAwait(false);
                tally.Success();
                return;
            }

            tally.Failures.Enqueue(failure);
            LocalQueueLog.RunFailed(_logger, failure, _function.Name, message.MessageId, message.DequeueCount, Rules.MaxDequeueCount);
            if (message.DequeueCount >= Rules.MaxDequeueCount)
            {
                await SetAsideAsync(message, receipt, tally).ConfigureAwait(false);
            }
            else
            {
                await _queue.UpdateMessageAsync(message.MessageId, receipt.Value, visibilityTimeout: Rules.VisibilityTimeout, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is RequestFailedException or AggregateException or TimeoutException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // Settling failed (storage down, or the lease ran out and another reader took the message): the message
            // reappears when its lease ends and is run again; the ledger makes sure nothing is sent twice.
            LocalQueueLog.SettleFailed(_logger, ex, message.MessageId);
        }
    }

    private async Task SetAsideAsync(QueueMessage message, Receipt receipt, Tally tally)
    {
        await _poison.SendMessageAsync(message.Body, cancellationToken: CancellationToken.None).ConfigureAwait(false);
        await _queue.DeleteMessageAsync(message.MessageId, receipt.Value, CancellationToken.None).ConfigureAwait(false);
        tally.Poison();
        LocalQueueLog.SetAside(_logger, _function.Name, message.MessageId, message.DequeueCount, _poison.Name);
    }

    private async Task RenewAsync(QueueMessage message, Receipt receipt, CancellationToken stop)
    {
        try
        {
            var wait = MessageLease / 2;
            while (true)
            {
                await Task.Delay(wait, stop).ConfigureAwait(false);
                try
                {
                    var renewed = await _queue.UpdateMessageAsync(message.MessageId, receipt.Value, visibilityTimeout: MessageLease, cancellationToken: stop).ConfigureAwait(false);
                    receipt.Value = renewed.Value.PopReceipt;
                    wait = MessageLease / 2;
                }
                catch (RequestFailedException ex) when (ex.Status == 404)
                {
                    // The message or this receipt is gone (the lease ran out and another reader has it): nothing to renew.
                    LocalQueueLog.SettleFailed(_logger, ex, message.MessageId);
                    return;
                }
                catch (Exception ex) when (!stop.IsCancellationRequested && ex is RequestFailedException or AggregateException or OperationCanceledException or TimeoutException)
                {
                    // Storage did not answer (a blip): try again sooner, while the lease still holds, as the host does.
                    LocalQueueLog.SettleFailed(_logger, ex, message.MessageId);
                    wait = TimeSpan.FromSeconds(Math.Min(60, MessageLease.TotalSeconds / 10));
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>The message's current pop receipt: each visibility update issues a new one.</summary>
    private sealed class Receipt(string value)
    {
        public string Value { get; set; } = value;
    }
}

/// <summary>Runs the queue listeners in the background (setting <c>LocalHost:ProcessQueues</c>, default true).</summary>
public sealed class LocalQueueService(IEnumerable<LocalQueueListener> listeners) : BackgroundService
{
    public const string ProcessQueuesSetting = "LocalHost:ProcessQueues";

    /// <summary>
    /// Runs every queued message now, with <paramref name="consumers"/> listeners per queue (as that many instances
    /// would), until the queues are empty; answers what they did. Tests and benchmarks use it with the background
    /// listening off.
    /// </summary>
    public static async Task<IReadOnlyList<LocalQueueListener.Tally>> DrainAsync(IServiceProvider services, int consumers = 1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentOutOfRangeException.ThrowIfLessThan(consumers, 1);
        var all = services.GetServices<LocalQueueListener>().ToList();
        return await Task.WhenAll(all.SelectMany(l => Enumerable.Range(0, consumers).Select(_ => l.ListenAsync(untilEmpty: true, cancellationToken)))).ConfigureAwait(false);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(listeners.Select(l => l.ListenAsync(untilEmpty: false, stoppingToken)));
}

internal static partial class LocalQueueLog
{
    [LoggerMessage(EventId = 111, Level = LogLevel.Warning, Message = "Could not read queue {Queue}; trying again")]
    public static partial void ReceiveFailed(ILogger logger, Exception exception, string queue);

    [LoggerMessage(EventId = 112, Level = LogLevel.Error, Message = "Function {Function} failed on message {MessageId} (attempt {Attempt} of {MaxAttempts})")]
    public static partial void RunFailed(ILogger logger, Exception exception, string function, string messageId, long attempt, int maxAttempts);

    [LoggerMessage(EventId = 113, Level = LogLevel.Error, Message = "Function {Function}: message {MessageId} failed {Attempts} attempt(s) and was moved to {PoisonQueue}")]
    public static partial void SetAside(ILogger logger, string function, string messageId, long attempts, string poisonQueue);

    [LoggerMessage(EventId = 114, Level = LogLevel.Warning, Message = "Could not settle queue message {MessageId}; it reappears when its lease ends")]
    public static partial void SettleFailed(ILogger logger, Exception exception, string messageId);
}
