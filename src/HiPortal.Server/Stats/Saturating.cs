namespace HiPortal.Server.Stats;

/// <summary>
/// Aggregates that stop at the largest value instead of wrapping (a long past 2⁶³ became a negative byte count)
/// or reaching infinity (which JSON cannot carry, so the stats answered 500). Telemetry bounds keep real sums far
/// from these limits; this is the backstop for rows stored before them.
/// </summary>
public static class Saturating
{
    public static long Add(long a, long b)
    {
        var sum = unchecked(a + b);
        // Overflow happened when both operands share a sign that the sum does not.
        return ((a ^ sum) & (b ^ sum)) < 0 ? (a < 0 ? long.MinValue : long.MaxValue) : sum;
    }

    public static double Add(double a, double b) => Finite(a + b);

    /// <summary>Adds a SQL TOTAL() (a REAL) to a count, clamping it first (see <see cref="ToLong"/>).</summary>
    public static long AddTotal(long count, double total) => Add(count, ToLong(total));

    /// <summary>A SQL TOTAL() (a REAL) as a count: clamped to [0, long.MaxValue], NaN as 0.</summary>
    public static long ToLong(double value) =>
        double.IsNaN(value) || value <= 0 ? 0 : value >= 9.2233720368547748E18 ? long.MaxValue : (long)value;

    public static double Finite(double value) =>
        double.IsNaN(value) ? 0 : Math.Clamp(value, double.MinValue, double.MaxValue);
}
