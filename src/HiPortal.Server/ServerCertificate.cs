using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace HiPortal.Server;

/// <summary>
/// The certificate devices pin, when the server serves its own self-signed one (null with a configured real
/// certificate: devices then validate it as any HTTPS client does). Loaded on first use, from the same file Kestrel serves.
/// </summary>
public sealed class ServerCertificate(Func<X509Certificate2?> load)
{
    private readonly Lazy<X509Certificate2?> _certificate = new(load);

    /// <summary>SHA-256 of the certificate, as the device SDK pins it (<c>HiDeviceOptions.ServerCertificateThumbprint</c>).</summary>
    public string? Sha256Thumbprint => _certificate.Value?.GetCertHashString(HashAlgorithmName.SHA256);

    /// <summary>Base64 SHA-256 of the public key (SubjectPublicKeyInfo), as <c>curl --pinnedpubkey sha256//…</c> takes it.</summary>
    public string? PublicKeyPin => _certificate.Value is { } c
        ? Convert.ToBase64String(SHA256.HashData(c.PublicKey.ExportSubjectPublicKeyInfo()))
        : null;
}
