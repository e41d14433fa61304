using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace HiPortal.Server.Rollouts;

/// <summary>
/// Which devices a stage changes: the target's devices ordered by SHA-256 of (salt, device id), the first
/// ⌈percent × N⌉ of them. The order is uniform and independent of names or registration order, the same on every
/// instance and every evaluation, and a larger percentage is always a superset, so no device flips back within a
/// rollout (devices already changed stay changed even if the target grows).
/// </summary>
public static class RolloutSelection
{
    public static ulong Rank(string salt, string deviceId)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{salt}:{deviceId}"), hash);
        return BinaryPrimitives.ReadUInt64BigEndian(hash);
    }

    /// <summary>How many of <paramref name="total"/> devices a stage of <paramref name="percent"/> % covers (at least one, if any).</summary>
    public static int Count(double percent, int total) =>
        total == 0 ? 0 : Math.Clamp((int)Math.Ceiling(percent / 100.0 * total - 1e-9), 1, total);

    /// <summary>The device ids a stage covers, in rank order.</summary>
    public static IReadOnlyList<string> Choose(string salt, IEnumerable<string> deviceIds, double percent)
    {
        var ordered = deviceIds.OrderBy(id => Rank(salt, id)).ThenBy(id => id, StringComparer.Ordinal).ToList();
        return ordered.Take(Count(percent, ordered.Count)).ToList();
    }

    public static string NewSalt() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
}
