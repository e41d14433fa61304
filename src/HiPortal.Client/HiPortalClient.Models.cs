using System.Net.Http.Headers;
using System.Net.Http.Json;
using HiPortal.Contracts;

namespace HiPortal.Client;

/// <summary>The model repository: register, list and delete versions, and name a fleet's pair (admins).</summary>
public partial class HiPortalClient
{
    /// <summary>POST /admin/models as a multipart form: field <c>model</c> the ONNX file, field <c>card</c> its JSON card.</summary>
    public async Task<ModelVersionView> RegisterModelAsync(byte[] onnx, string cardJson, CancellationToken cancellationToken = default)
    {
        using var form = new MultipartFormDataContent();
        var model = new ByteArrayContent(onnx);
        model.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(model, "model", "model.onnx");
        var card = new StringContent(cardJson);
        card.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        form.Add(card, "card", "card.json");
        return await SendAsync(HttpMethod.Post, Routes.Models, form, ContractsJson.Default.ModelVersionView, cancellationToken);
    }

    /// <summary>Registers the model.onnx and card.json of a repository version directory.</summary>
    public async Task<ModelVersionView> RegisterModelDirectoryAsync(string versionDirectory, CancellationToken cancellationToken = default) =>
        await RegisterModelAsync(await File.ReadAllBytesAsync(Path.Combine(versionDirectory, "model.onnx"), cancellationToken),
            await File.ReadAllTextAsync(Path.Combine(versionDirectory, "card.json"), cancellationToken), cancellationToken);

    public Task<List<ModelVersionView>> ListModelsAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, Routes.Models, null, ContractsJson.Default.ListModelVersionView, cancellationToken);

    /// <summary>DELETE /admin/models/{name}/{version}: refused with 409 while a fleet names it.</summary>
    public async Task DeleteModelAsync(string name, string version, string? reason = null, CancellationToken cancellationToken = default)
    {
        var route = Routes.Model(name, version) + (reason is null ? "" : $"?reason={Uri.EscapeDataString(reason)}");
        await SendJsonAsync(HttpMethod.Delete, route, null, cancellationToken);
    }

    /// <summary>PUT /admin/fleets/{name}/models: switches the fleet's pair (a large-model switch is hot); the pair now.</summary>
    public Task<FleetModels> SetFleetModelsAsync(string fleet, FleetModelsRequest request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Put, Routes.FleetModels(fleet), JsonContent.Create(request, ContractsJson.Default.FleetModelsRequest),
            ContractsJson.Default.FleetModels, cancellationToken);

    /// <summary>GET a tiny model's file as a device: its bytes and the ETag (the sha256) the server sent.</summary>
    public async Task<(byte[] Bytes, string? ETag)> DownloadModelAsync(string name, string version, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Routes.ModelFile(name, version));
        using var response = await SendAsync(request, cancellationToken);
        await EnsureSuccessAsync(response, $"GET {Routes.ModelFile(name, version)}", cancellationToken);
        return (await response.Content.ReadAsByteArrayAsync(cancellationToken), response.Headers.ETag?.Tag.Trim('"'));
    }
}
