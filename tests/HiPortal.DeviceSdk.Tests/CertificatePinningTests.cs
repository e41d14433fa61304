using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace HiPortal.DeviceSdk.Tests;

[Collection(ServerCollection.Name)]
public sealed class CertificatePinningTests(ServerFixture server)
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task PinnedSelfSignedCertificate_IsTheOnlyOneAccepted(bool rightPin)
    {
        var device = await server.RegisterDeviceAsync("pinning");
        using var certificate = X509CertificateLoader.LoadPkcs12FromFile(server.App.CertificatePath, password: null);
        var pin = rightPin ? certificate.GetCertHashString(HashAlgorithmName.SHA256) : new string('A', 64);
        await using var client = new HiDeviceClient(new HiDeviceOptions
        {
            ServerUri = server.App.HttpsAddress,
            DeviceKey = device.Key,
            Model = TinyReference.Model,
            ServerCertificateThumbprint = pin,
        });

        var synced = await client.SyncConfigurationAsync();

        Assert.Equal(rightPin, synced);
        Assert.Equal(rightPin ? 0 : 1, client.GetStatistics().Errors.GetValueOrDefault(HiDeviceErrorKind.Network));
    }
}
