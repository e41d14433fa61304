namespace HiPortal.Server.Alarms;

public enum AlarmTransition
{
    None,
    Raise,
    Clear,
}

/// <summary>
/// Consecutive-evaluation counting per kind and scope: a closed alarm raises after <c>raiseAfter</c> bad evaluations in
/// a row, an open one clears after <c>clearAfter</c> good ones in a row, and an evaluation that is neither (between the
/// raise and clear levels) starts both counts again. Whether an alarm is open comes from the caller, so an alarm still
/// open after a restart is cleared by the same rule.
/// </summary>
public sealed class Hysteresis(int raiseAfter, int clearAfter)
{
    // Positive: bad evaluations in a row; negative: good ones. Only keys with a streak that matters are kept.
    private readonly Dictionary<(string, string), int> _streaks = [];

    public AlarmTransition Step(string kind, string scope, bool isOpen, bool bad, bool good)
    {
        var key = (kind, scope);
        var streak = _streaks.GetValueOrDefault(key);
        streak = bad ? Math.Max(streak, 0) + 1 : good ? Math.Min(streak, 0) - 1 : 0;
        var transition = !isOpen && streak >= raiseAfter ? AlarmTransition.Raise
            : isOpen && -streak >= clearAfter ? AlarmTransition.Clear
            : AlarmTransition.None;
        if (transition != AlarmTransition.None || streak == 0 || (!isOpen && streak < 0) || (isOpen && streak > 0))
        {
            _streaks.Remove(key);
        }
        else
        {
            _streaks[key] = streak;
        }

        return transition;
    }

    /// <summary>Forgets the streak of a scope that no longer exists (a device no longer tracked).</summary>
    public void Forget(string kind, string scope) => _streaks.Remove((kind, scope));
}
