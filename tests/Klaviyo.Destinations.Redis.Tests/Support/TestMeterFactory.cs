using System.Diagnostics.Metrics;

namespace Klaviyo.Destinations.Redis.Tests.Support;

/// <summary>Creates meters scoped to itself, so a test reads its own instruments' values (a <see cref="MeterListener"/>) and not other tests'.</summary>
internal sealed class TestMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(new MeterOptions(options.Name) { Version = options.Version, Tags = options.Tags, Scope = this });
        lock (_meters) _meters.Add(meter);
        return meter;
    }

    /// <summary>The current value of this factory's observable gauge <paramref name="instrument"/> in meter <paramref name="meter"/>.</summary>
    public int Gauge(string meter, string instrument)
    {
        int? value = null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (ReferenceEquals(i.Meter.Scope, this) && i.Meter.Name == meter && i.Name == instrument) l.EnableMeasurementEvents(i);
        };
        listener.SetMeasurementEventCallback<int>((_, v, _, _) => value = v);
        listener.Start();
        listener.RecordObservableInstruments();
        return value ?? throw new InvalidOperationException($"No gauge {instrument} in meter {meter}.");
    }

    public void Dispose()
    {
        lock (_meters)
        {
            foreach (var meter in _meters) meter.Dispose();
        }
    }
}
