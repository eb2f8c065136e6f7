using System.Net;
using System.Net.Sockets;

namespace ComplianceBot.Reliability.Tests;

/// <summary>
/// A TCP relay in front of Azurite's table port that can be switched off and on again, as a storage outage
/// looks to the app: while off, open connections are cut and new ones are refused; on again, the same port
/// answers with the same data (stopping Azurite itself would lose its in-memory tables).
/// </summary>
public sealed class StorageOutage : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly Lock _gate = new();
    private readonly List<TcpClient> _open = [];
    private TcpListener? _listener;
    private CancellationTokenSource? _stop;
    private Task _accepting = Task.CompletedTask;

    private StorageOutage(int targetPort)
    {
        _target = new IPEndPoint(IPAddress.Loopback, targetPort);
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
    }

    /// <summary>The port the app talks to.</summary>
    public int Port { get; }

    /// <summary>A relay to the table endpoint of <paramref name="connectionString"/>, running.</summary>
    public static StorageOutage Start(string connectionString, out string relayedConnectionString)
    {
        var endpoint = connectionString.Split(';').Single(p => p.StartsWith("TableEndpoint=", StringComparison.Ordinal))["TableEndpoint=".Length..];
        var uri = new Uri(endpoint);
        var outage = new StorageOutage(uri.Port);
        outage.Resume();
        relayedConnectionString = connectionString.Replace(endpoint, new UriBuilder(uri) { Port = outage.Port }.Uri.ToString().TrimEnd('/'), StringComparison.Ordinal);
        return outage;
    }

    /// <summary>Storage goes away: every open connection is cut and the port refuses new ones.</summary>
    public async Task BeginAsync()
    {
        CancellationTokenSource? stop;
        TcpListener? listener;
        List<TcpClient> open;
        lock (_gate)
        {
            (stop, listener, _stop, _listener) = (_stop, _listener, null, null);
            open = [.. _open];
            _open.Clear();
        }

        if (stop is not null) await stop.CancelAsync();
        listener?.Stop();
        foreach (var client in open) client.Dispose();
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }

        stop?.Dispose();
    }

    /// <summary>Storage is back, on the same port.</summary>
    public void Resume()
    {
        var listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        var stop = new CancellationTokenSource();
        lock (_gate) (_listener, _stop) = (listener, stop);
        _accepting = AcceptAsync(listener, stop.Token);
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var inbound = await listener.AcceptTcpClientAsync(ct);
            var outbound = new TcpClient();
            lock (_gate) _open.AddRange([inbound, outbound]);
            _ = RelayAsync(inbound, outbound, ct);
        }
    }

    private async Task RelayAsync(TcpClient inbound, TcpClient outbound, CancellationToken ct)
    {
        try
        {
            await outbound.ConnectAsync(_target, ct);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var up = inbound.GetStream().CopyToAsync(outbound.GetStream(), linked.Token);
            var down = outbound.GetStream().CopyToAsync(inbound.GetStream(), linked.Token);
            await Task.WhenAny(up, down);
            await linked.CancelAsync();
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The outage (or the client) ended the connection.
        }
        finally
        {
            inbound.Dispose();
            outbound.Dispose();
            lock (_gate)
            {
                _open.Remove(inbound);
                _open.Remove(outbound);
            }
        }
    }

    public async ValueTask DisposeAsync() => await BeginAsync();
}
