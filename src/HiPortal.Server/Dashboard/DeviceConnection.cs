using HiPortal.Core.Inference;
using HiPortal.Server.Dashboard.Components.Admin;
using HiPortal.Server.Fleets;
using HiPortal.Server.Models;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace HiPortal.Server.Dashboard;

/// <summary>
/// How a device reaches this server, for the snippets shown with a new key: the host the admin browses with, on the
/// server's HTTPS port (devices talk HTTPS), the certificate pin, and the fleet's sample shape from its model card.
/// </summary>
public sealed class DeviceConnection(IServer server, ServerCertificate certificate, FleetSettingsCache fleets, ModelRepository models)
{
    public async Task<DeviceSnippets> SnippetsAsync(string fleetName, string key, Uri browsedBase, CancellationToken cancellationToken)
    {
        var fleet = await fleets.GetAsync(fleetName, cancellationToken) ?? throw new InvalidOperationException($"no fleet '{fleetName}'");
        var https = Https(browsedBase);
        return DeviceSnippets.Create(https ?? browsedBase, key, fleet.TinyModel, Sample(fleet.LargeModel),
            https is null ? null : certificate.Sha256Thumbprint, https is null ? null : certificate.PublicKeyPin);
    }

    /// <summary>The browsed host on the first HTTPS listener's port; null when the server has no HTTPS listener.</summary>
    private Uri? Https(Uri browsedBase)
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var listener = addresses.FirstOrDefault(a => a.StartsWith("https://", StringComparison.Ordinal));
        // Kestrel reports wildcard hosts as "+", "*" or "[::]", which Uri does not parse: only the port is read.
        if (listener is null || !int.TryParse(listener[(listener.LastIndexOf(':') + 1)..].TrimEnd('/'), out var port))
        {
            return null;
        }

        return new UriBuilder(browsedBase) { Scheme = "https", Port = port, Path = "/" }.Uri;
    }

    private SampleSpec Sample(string largeModel)
    {
        if (!ModelReference.TryParse(largeModel, out var reference) || reference.Version is null)
        {
            throw new InvalidOperationException($"the fleet's large model '{largeModel}' is not name@version");
        }

        var signature = ModelSignature.Create(models.Card(reference.Name, reference.Version!));
        return new SampleSpec(signature.Datatype.Name(), signature.SampleShape, signature.SampleBytes);
    }
}
