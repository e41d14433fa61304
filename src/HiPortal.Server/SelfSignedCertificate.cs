using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace HiPortal.Server;

/// <summary>
/// HTTPS out of the box: when no certificate is configured (Kestrel:Certificates:Default), the server creates a
/// self-signed one for localhost once, keeps it under tls/ in the data directory, and serves HTTPS with it. Production deployments
/// configure a real certificate; devices can pin this one's SHA-256 thumbprint (logged at start) meanwhile.
/// </summary>
public static class SelfSignedCertificate
{
    public static X509Certificate2 LoadOrCreate(string directory, ILogger logger)
    {
        var path = Path.Combine(directory, "hiportal-selfsigned.pfx");
        if (File.Exists(path))
        {
            var existing = X509CertificateLoader.LoadPkcs12FromFile(path, password: null);
            if (existing.NotAfter > DateTime.UtcNow.AddDays(7))
            {
                return existing;
            }
        }

        Persistence.OwnerOnly.CreateDirectory(directory);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=HiPortal self-signed", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(1));
        var temporary = path + "." + Guid.NewGuid().ToString("n");
        File.WriteAllBytes(temporary, created.Export(X509ContentType.Pkcs12));
        if (!OperatingSystem.IsWindows())
        {
            // The file holds the private key: owner-only.
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temporary, path, overwrite: true);
        var certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password: null);
        logger.LogWarning("Created a self-signed TLS certificate {Path} (SHA-256 {Thumbprint}); configure Kestrel:Certificates:Default for production",
            path, certificate.GetCertHashString(HashAlgorithmName.SHA256));
        return certificate;
    }
}
