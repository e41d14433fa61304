using System.Security.Cryptography;

namespace HiPortal.DeviceSdk.Transport;

/// <summary>The device's network stack, with optional pinning of the server's (self-signed) certificate.</summary>
public static class ServerCertificates
{
    /// <summary>
    /// A handler that accepts the server certificate whose SHA-256 is <paramref name="pinnedSha256"/> (hex; colons
    /// and case ignored) and no other; or any certificate with <paramref name="acceptAny"/>; or, with neither,
    /// what the system trusts.
    /// </summary>
    public static HttpMessageHandler CreateHandler(string? pinnedSha256, bool acceptAny, TimeSpan connectTimeout)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = connectTimeout,
            // Recycle connections so a device follows a server that moved behind DNS.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        if (acceptAny)
        {
#pragma warning disable CA5359 // Opt-in for test rigs (hiportal simulate --insecure); never the default.
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        else if (!string.IsNullOrWhiteSpace(pinnedSha256))
        {
            var pin = Normalise(pinnedSha256);
            // Chain errors are expected for a self-signed certificate: the pin replaces the chain.
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                certificate is not null && Normalise(certificate.GetCertHashString(HashAlgorithmName.SHA256)) == pin;
        }

        return handler;
    }

    private static string Normalise(string hex) => hex.Replace(":", "", StringComparison.Ordinal).Trim().ToUpperInvariant();
}
