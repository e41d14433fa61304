using System.Security.Cryptography;
using System.Text;

namespace HiPortal.Server.Devices;

/// <summary>
/// Device keys look like <c>hpk_{keyId}_{secret}</c>: a 12-hex-digit lookup id and a 256-bit random secret.
/// A fast hash (SHA-256) is enough for a secret of that entropy; slow password hashes are for human passwords.
/// </summary>
public static class DeviceKeyFormat
{
    public const string Prefix = "hpk_";

    public static (string Key, string KeyId, string SecretHash) Generate()
    {
        var keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var secret = Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        return ($"{Prefix}{keyId}_{secret}", keyId, Hash(secret));
    }

    public static bool TryParse(string key, out string keyId, out string secret)
    {
        keyId = secret = "";
        if (!key.StartsWith(Prefix, StringComparison.Ordinal) || key.Length < Prefix.Length + 14)
        {
            return false;
        }

        var separator = key.IndexOf('_', Prefix.Length);
        if (separator != Prefix.Length + 12)
        {
            return false;
        }

        keyId = key[Prefix.Length..separator];
        secret = key[(separator + 1)..];
        return secret.Length > 0;
    }

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static bool Matches(string secret, string storedHash) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(secret)), Encoding.ASCII.GetBytes(storedHash));

    public static string NewDeviceId() => "dev_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
