using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace HiPortal.Server.Alarms;

/// <summary>
/// How a webhook call is signed: <c>X-HiPortal-Timestamp</c> (Unix seconds) and <c>X-HiPortal-Signature:
/// sha256=HEX</c>, the HMAC-SHA256 with the shared secret of the timestamp, a dot and the raw body. A receiver
/// recomputes it, compares in constant time and refuses old timestamps, so a captured call cannot be replayed later.
/// </summary>
public static class WebhookSignature
{
    public const string TimestampHeader = "X-HiPortal-Timestamp";
    public const string SignatureHeader = "X-HiPortal-Signature";
    public const string EventIdHeader = "X-HiPortal-Event-Id";

    public static string Sign(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message));
    }

    public static bool Verify(string secret, string? timestamp, string? signature, ReadOnlySpan<byte> body) =>
        long.TryParse(timestamp, NumberStyles.Integer, CultureInfo.InvariantCulture, out var t) && signature is not null &&
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(secret, t, body)), Encoding.ASCII.GetBytes(signature));
}
