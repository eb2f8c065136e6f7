using ComplianceBot.Storage;

namespace ComplianceBot.Functions.Hosting;

/// <summary>
/// Creates the tables on the first request that needs storage, not at start-up: the host's readiness
/// probe is answered at once (cold starts stay short), and a failed attempt (storage unreachable) is
/// tried again by the next request instead of being remembered.
/// </summary>
public sealed class TablesReady(IServiceProvider services)
{
    private readonly Lock _gate = new();
    private Task? _creating;

    public Task EnsureAsync()
    {
        lock (_gate)
        {
            if (_creating is null || _creating.IsFaulted || _creating.IsCanceled)
            {
                _creating = services.EnsureTablesAsync();
            }

            return _creating;
        }
    }
}
