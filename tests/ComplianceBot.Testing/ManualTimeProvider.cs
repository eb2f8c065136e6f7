namespace ComplianceBot.Testing;

/// <summary>
/// A hand-written fake clock (the Microsoft.Extensions.TimeProvider.Testing package cannot be
/// restored here). Time moves only when a test says so; timers (and so <c>Task.Delay(d, provider)</c>)
/// fire when <see cref="Advance"/> or <see cref="SetUtcNow"/> reaches their due time.
/// </summary>
public sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    /// <summary>Timers created and not yet fired (one-shot), disposed or stopped.</summary>
    public int ActiveTimerCount
    {
        get
        {
            lock (_gate)
            {
                return _timers.Count(t => t.DueAt is not null);
            }
        }
    }

    public void SetUtcNow(DateTimeOffset value)
    {
        lock (_gate)
        {
            _now = value;
        }

        FireDueTimers();
    }

    public void Advance(TimeSpan by)
    {
        lock (_gate)
        {
            _now = _now.Add(by);
        }

        FireDueTimers();
    }

    /// <summary>Waits (in real time, up to <paramref name="timeout"/>) until at least <paramref name="count"/> timers are active.</summary>
    public async Task WaitForTimersAsync(int count, TimeSpan? timeout = null)
    {
        var limit = Task.Delay(timeout ?? TimeSpan.FromSeconds(10));
        while (ActiveTimerCount < count)
        {
            if (limit.IsCompleted) throw new TimeoutException($"Expected {count} active timer(s), found {ActiveTimerCount}.");
            await Task.Delay(10);
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        lock (_gate)
        {
            _timers.Add(timer);
        }

        timer.Change(dueTime, period);
        return timer;
    }

    private void FireDueTimers()
    {
        while (true)
        {
            ManualTimer? due;
            lock (_gate)
            {
                due = _timers.Where(t => t.DueAt is { } at && at <= _now).OrderBy(t => t.DueAt).FirstOrDefault();
                if (due is null) return;
                due.DueAt = due.Period is { } period ? due.DueAt + period : null;
            }

            due.Callback(due.State);
        }
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public TimerCallback Callback { get; } = callback;

        public object? State { get; } = state;

        public DateTimeOffset? DueAt { get; set; }

        public TimeSpan? Period { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._gate)
            {
                DueAt = dueTime == Timeout.InfiniteTimeSpan ? null : owner._now + dueTime;
                Period = period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero ? null : period;
            }

            owner.FireDueTimers();
            return true;
        }

        public void Dispose()
        {
            lock (owner._gate)
            {
                DueAt = null;
                owner._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
