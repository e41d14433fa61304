namespace HiPortal.Server.Dashboard.Components;

/// <summary>One named line of a time chart; a null value is a bucket without data (no point is drawn).</summary>
public sealed record ChartLine(string Name, IReadOnlyList<(DateTimeOffset At, double? Value)> Points)
{
    public double? Latest => Points.LastOrDefault(p => p.Value is not null).Value;
}
