using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using HiPortal.Contracts;

namespace HiPortal.Client;

/// <summary>What a device calls: its configuration (plain, conditional, long-poll), acks, offloads and telemetry.</summary>
public partial class HiPortalClient
{
    /// <summary>GET /config: the configuration the device should run now.</summary>
    public async Task<EffectiveConfigResponse> GetConfigAsync(CancellationToken cancellationToken = default) =>
        (await GetConfigAsync(knownVersion: null, waitSeconds: null, cancellationToken))!;

    /// <summary>
    /// GET /config with the version the device holds (as its ETag) and, to long-poll, how long the server may wait for a
    /// change. Null when the server answers 304 (the device's version is still current).
    /// </summary>
    public async Task<EffectiveConfigResponse?> GetConfigAsync(long? knownVersion, int? waitSeconds = null,
        CancellationToken cancellationToken = default)
    {
        var route = waitSeconds is { } wait ? $"{Routes.Config}?waitSeconds={wait.ToString(CultureInfo.InvariantCulture)}" : Routes.Config;
        using var request = new HttpRequestMessage(HttpMethod.Get, route);
        if (knownVersion is { } version)
        {
            request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue($"\"v{version.ToString(CultureInfo.InvariantCulture)}\""));
        }

        using var response = await SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotModified)
        {
            return null;
        }

        await EnsureSuccessAsync(response, $"GET {route}", cancellationToken);
        return await response.Content.ReadFromJsonAsync(ContractsJson.Default.EffectiveConfigResponse, cancellationToken);
    }

    /// <summary>POST /config/ack: the device applied (or rejected) a version.</summary>
    public Task<AckResponse> AckAsync(long version, string status = "applied", string? message = null,
        CancellationToken cancellationToken = default) =>
        PostAsync(Routes.ConfigAck, new ConfigAck(version, status, message), ContractsJson.Default.ConfigAck,
            ContractsJson.Default.AckResponse, cancellationToken);

    /// <summary>POST /offloads, JSON form.</summary>
    public Task<OffloadResponse> OffloadAsync(OffloadRequest offload, CancellationToken cancellationToken = default) =>
        PostAsync(Routes.Offloads, offload, ContractsJson.Default.OffloadRequest, ContractsJson.Default.OffloadResponse, cancellationToken);

    /// <summary>POST /offloads, binary form: the raw pixels as the body, the rest in headers.</summary>
    public async Task<OffloadResponse> OffloadBinaryAsync(BinaryOffload offload, CancellationToken cancellationToken = default)
    {
        using var request = offload.ToRequest();
        using var response = await SendAsync(request, cancellationToken);
        await EnsureSuccessAsync(response, $"POST {Routes.Offloads} (binary)", cancellationToken);
        return (await response.Content.ReadFromJsonAsync(ContractsJson.Default.OffloadResponse, cancellationToken))!;
    }

    /// <summary>POST /telemetry: one or more periods' counters.</summary>
    public Task<TelemetryResponse> PostTelemetryAsync(TelemetryBatch batch, CancellationToken cancellationToken = default) =>
        PostAsync(Routes.Telemetry, batch, ContractsJson.Default.TelemetryBatch, ContractsJson.Default.TelemetryResponse, cancellationToken);
}
