using System.Globalization;

namespace HiPortal.Server.Dashboard.Components;

/// <summary>
/// Tick spacing for MudBlazor's axis charts, whose y (and scatter x) tick step is a whole number: ratios are
/// plotted in percent, and the step is a "nice" 1-2-5 multiple giving about five ticks over the data.
/// </summary>
public static class ChartScale
{
    /// <summary>The palette of every chart: each colour 4.5:1 or more on white (legend markers, tooltip fills).</summary>
    public static readonly string[] Palette = ["#1565c0", "#b45309", "#2e7d32", "#6a1b9a", "#c62828", "#00695c"];

    private static readonly TimeSpan[] s_timeSteps =
    [
        TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2),
        TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(1), TimeSpan.FromHours(2), TimeSpan.FromHours(4), TimeSpan.FromHours(6), TimeSpan.FromHours(12),
    ];

    public static int Step(double max, int ticks = 5)
    {
        if (!(max > 0) || !double.IsFinite(max))
        {
            return 1;
        }

        var raw = max / ticks;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var nice = new[] { 1.0, 2.0, 5.0, 10.0 }.First(m => m * magnitude >= raw) * magnitude;
        return (int)Math.Max(1, Math.Ceiling(nice));
    }

    public static TimeSpan TimeStep(TimeSpan span, int ticks = 5) =>
        s_timeSteps.FirstOrDefault(s => s * ticks >= span, s_timeSteps[^1]);

    public static string Format(double value, string format, string unit) =>
        value.ToString(format, CultureInfo.InvariantCulture) + (unit.Length > 0 ? " " + unit : "");
}
