using System.Runtime.InteropServices;

namespace Klaviyo.Destinations.Cli.Commands;

/// <summary>
/// SIGINT (Ctrl+C) and SIGTERM (<c>docker stop</c>, Kubernetes, CI) both become a cancellation: the running command
/// stops reading, finishes what it can, writes its checkpoint and says how to resume. A second signal ends the process
/// at once.
/// </summary>
internal sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly PosixSignalRegistration[] _registrations;
    private int _count;

    public StopSignal()
    {
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle)];
    }

    public CancellationToken Token => _cancel.Token;

    /// <summary>The signal that stopped the command, if any.</summary>
    public PosixSignal? Received { get; private set; }

    /// <summary>The conventional exit code of a command stopped by <see cref="Received"/>: 130 for SIGINT, 143 for SIGTERM.</summary>
    public int ExitCode => Received == PosixSignal.SIGTERM ? 143 : 130;

    public string Name => Received == PosixSignal.SIGTERM ? "SIGTERM" : "SIGINT";

    private void Handle(PosixSignalContext context)
    {
        if (Interlocked.Increment(ref _count) > 1) return; // the default action: the process ends now
        context.Cancel = true;
        Received = context.Signal;
        _cancel.Cancel();
    }

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _cancel.Dispose();
    }
}
