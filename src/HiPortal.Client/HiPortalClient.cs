using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using HiPortal.Contracts;

namespace HiPortal.Client;

/// <summary>
/// One typed client of the HiPortal API, as an admin or operator (bearer: a session token from <see cref="SignInAsync"/>)
/// or as a device (bearer: its key). Answers are contract records where the contract has one, JSON where the server's
/// view has no record yet. A non-success answer throws <see cref="HiPortalApiException"/> (status and problem body).
/// </summary>
/// <remarks>
/// It is an <see cref="HttpClient"/>, so a test can also send a hand-made request (a malformed body, a missing header)
/// on the same address and credentials without a second client.
/// </remarks>
public partial class HiPortalClient : HttpClient
{
    public HiPortalClient(Uri baseAddress, HttpMessageHandler? handler = null, bool disposeHandler = true)
        : base(handler ?? new SocketsHttpHandler(), disposeHandler)
    {
        BaseAddress = baseAddress;
    }

    /// <summary>The credential sent with every call: a session token or a device key.</summary>
    public string? Bearer
    {
        get => DefaultRequestHeaders.Authorization?.Parameter;
        set => DefaultRequestHeaders.Authorization = value is null ? null : new AuthenticationHeaderValue("Bearer", value);
    }

    /// <summary>Asks for a session token and sends it with every later call.</summary>
    public async Task<TokenResponse> SignInAsync(string username, string password, CancellationToken cancellationToken = default)
    {
        var token = await PostAsync(Routes.Token, new TokenRequest(username, password), ContractsJson.Default.TokenRequest,
            ContractsJson.Default.TokenResponse, cancellationToken);
        Bearer = token.Token;
        return token;
    }

    /// <summary>GET /audit with a query string; the items, newest first.</summary>
    public async Task<List<JsonElement>> AuditAsync(string query = "", CancellationToken cancellationToken = default) =>
        (await GetJsonAsync($"{Routes.Audit}?{query}", cancellationToken)).GetProperty("items").EnumerateArray().ToList();

    /// <summary>GET /stats/fleets/{fleet} with a query string (from, to, bucketSeconds).</summary>
    public Task<JsonElement> FleetStatsAsync(string fleet, string query = "", CancellationToken cancellationToken = default) =>
        GetJsonAsync($"{Routes.Stats}/fleets/{Uri.EscapeDataString(fleet)}?{query}", cancellationToken);

    public Task<JsonElement> DeviceStatsAsync(string deviceId, string query = "", CancellationToken cancellationToken = default) =>
        GetJsonAsync($"{Routes.Stats}/devices/{Uri.EscapeDataString(deviceId)}?{query}", cancellationToken);

    /// <summary>GET /decisions with a query string: one page of stored decisions in id order (<c>items</c>, <c>next</c>).</summary>
    public Task<JsonElement> DecisionsAsync(string query = "", CancellationToken cancellationToken = default) =>
        GetJsonAsync($"{Routes.Decisions}?{query}", cancellationToken);

    /// <summary>GET /advice with a query string: the threshold advice for a fleet.</summary>
    public Task<JsonElement> AdviceAsync(string query, CancellationToken cancellationToken = default) =>
        GetJsonAsync($"{Routes.Advice}?{query}", cancellationToken);

    public Task<string> MetricsAsync(CancellationToken cancellationToken = default) => GetStringAsync("/metrics", cancellationToken);

    /// <summary>Whether the server answers /health/ready with success (model loaded and warm).</summary>
    public async Task<bool> IsReadyAsync(CancellationToken cancellationToken = default)
    {
        using var response = await GetAsync(Routes.Ready, cancellationToken);
        return response.IsSuccessStatusCode;
    }

    protected async Task<TResult> PostAsync<TBody, TResult>(string route, TBody body, JsonTypeInfo<TBody> bodyType, JsonTypeInfo<TResult> resultType,
        CancellationToken cancellationToken) =>
        await SendAsync(HttpMethod.Post, route, JsonContent.Create(body, bodyType), resultType, cancellationToken);

    protected async Task<TResult> SendAsync<TResult>(HttpMethod method, string route, HttpContent? content, JsonTypeInfo<TResult> resultType,
        CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, route) { Content = content };
        using var response = await SendAsync(request, cancellationToken);
        await EnsureSuccessAsync(response, $"{method} {route}", cancellationToken);
        return (await response.Content.ReadFromJsonAsync(resultType, cancellationToken))!;
    }

    /// <summary>Sends a JSON body (any serialisable shape) and reads the answer as JSON; an empty answer is <c>default</c>.</summary>
    protected async Task<JsonElement> SendJsonAsync(HttpMethod method, string route, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, route) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await SendAsync(request, cancellationToken);
        await EnsureSuccessAsync(response, $"{method} {route}", cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    protected Task<JsonElement> GetJsonAsync(string route, CancellationToken cancellationToken) =>
        SendJsonAsync(HttpMethod.Get, route, null, cancellationToken);

    /// <summary>Throws <see cref="HiPortalApiException"/> for a non-success answer, with its problem body when it has one.</summary>
    public static async Task EnsureSuccessAsync(HttpResponseMessage response, string call, CancellationToken cancellationToken = default)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        Problem? problem = null;
        if (response.Content.Headers.ContentType?.MediaType == WireHeaders.ProblemContentType && body.Length > 0)
        {
            problem = JsonSerializer.Deserialize(body, ContractsJson.Default.Problem);
        }

        throw new HiPortalApiException(call, response.StatusCode, problem, body);
    }

    internal static bool IsConflict(HiPortalApiException ex) => ex.Status == HttpStatusCode.Conflict;
}
