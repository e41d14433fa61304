using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using HiPortal.Contracts;

namespace HiPortal.DeviceSdk.Transport;

/// <summary>
/// Sends one request and classifies what came back. Timeouts run on the real clock (they bound real I/O);
/// waits between tries are the caller's, on the injected <see cref="TimeProvider"/>. Requests carry paths relative to
/// the server in use (<see cref="ServerAddresses"/>): a failure that says the server is down moves the next request,
/// the caller's retry, to the next server.
/// </summary>
internal sealed class DeviceHttp : IDisposable
{
    private readonly HttpClient _client;
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private readonly ServerAddresses _servers;
    private readonly DeviceCounters _counters;

    public DeviceHttp(HiDeviceOptions options, DeviceCounters counters)
    {
        var handler = options.HttpMessageHandler
            ?? ServerCertificates.CreateHandler(options.ServerCertificateThumbprint, options.AcceptAnyServerCertificate, options.RequestTimeout);
        // One handler for every server: a pinned certificate is the only one accepted from any of them.
        _client = new HttpClient(handler, disposeHandler: options.HttpMessageHandler is null)
        {
            // Per-request limits below; long-polls need longer than ordinary calls.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.DeviceKey);
        _time = options.TimeProvider;
        _timeout = options.RequestTimeout;
        _servers = new ServerAddresses([options.ServerUri, .. options.FallbackUris], options.FailbackAfter, options.TimeProvider);
        _counters = counters;
    }

    /// <summary>The server requests go to now.</summary>
    public Uri Server => _servers[_servers.Current];

    public async Task<CallResult<T>> SendAsync<T>(HttpRequestMessage request, JsonTypeInfo<T> answer,
        CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var server = Aim(request);
        var result = await SendToServerAsync(request, answer, timeout, cancellationToken);
        Observe(server, result.Error);
        return result;
    }

    /// <summary>GETs a file of at most <paramref name="maxBytes"/> (a 304 when <paramref name="etag"/> still matches).</summary>
    public async Task<CallResult<byte[]>> GetFileAsync(string path, string? etag, long maxBytes, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        var server = Aim(request);
        var result = await GetFileFromServerAsync(request, etag, maxBytes, cancellationToken);
        Observe(server, result.Error);
        return result;
    }

    private int Aim(HttpRequestMessage request)
    {
        var server = _servers.Current;
        if (request.RequestUri is { IsAbsoluteUri: false } relative)
            request.RequestUri = new Uri(_servers[server], relative);
        return server;
    }

    private void Observe(int server, HiDeviceErrorKind? error)
    {
        if (ServerAddresses.IsServerDown(error) && _servers.MoveOn(server))
            _counters.Update(s => s.ServerSwitches++);
    }

    private async Task<CallResult<T>> SendToServerAsync<T>(HttpRequestMessage request, JsonTypeInfo<T> answer,
        TimeSpan? timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout ?? _timeout);
        var started = _time.GetTimestamp();
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseContentRead, limit.Token);
            var elapsed = _time.GetElapsedTime(started);
            if (response.StatusCode == HttpStatusCode.NotModified)
                return new CallResult<T>(default, null, response.StatusCode, null, null, elapsed);
            if (response.IsSuccessStatusCode)
            {
                var value = await response.Content.ReadFromJsonAsync(answer, limit.Token);
                return value is null
                    ? Failed<T>(HiDeviceErrorKind.ServerError, response.StatusCode, null, "empty answer", elapsed)
                    : new CallResult<T>(value, null, response.StatusCode, null, null, elapsed);
            }

            var detail = await ReadProblemAsync(response, limit.Token);
            return Failed<T>(CallResult<T>.Classify(response.StatusCode), response.StatusCode, RetryAfter(response), detail, elapsed);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed<T>(HiDeviceErrorKind.Timeout, null, null, $"no answer within {(timeout ?? _timeout).TotalSeconds:0.#} s",
                _time.GetElapsedTime(started));
        }
        catch (HttpRequestException ex)
        {
            return Failed<T>(HiDeviceErrorKind.Network, null, null, ex.Message, _time.GetElapsedTime(started));
        }
        catch (JsonException ex)
        {
            return Failed<T>(HiDeviceErrorKind.ServerError, null, null, $"unreadable answer: {ex.Message}", _time.GetElapsedTime(started));
        }
    }

    private async Task<CallResult<byte[]>> GetFileFromServerAsync(HttpRequestMessage request, string? etag, long maxBytes,
        CancellationToken cancellationToken)
    {
        if (etag is not null)
            request.Headers.TryAddWithoutValidation("If-None-Match", $"\"{etag}\"");
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // A model is larger than an offload answer: allow it several ordinary request limits.
        limit.CancelAfter(_timeout * 6);
        var started = _time.GetTimestamp();
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token);
            var elapsed = _time.GetElapsedTime(started);
            if (response.StatusCode == HttpStatusCode.NotModified)
                return new CallResult<byte[]>(null, null, response.StatusCode, null, null, elapsed);
            if (!response.IsSuccessStatusCode)
            {
                var detail = await ReadProblemAsync(response, limit.Token);
                return Failed<byte[]>(CallResult<byte[]>.Classify(response.StatusCode), response.StatusCode, RetryAfter(response), detail, elapsed);
            }

            if (response.Content.Headers.ContentLength > maxBytes)
                return Failed<byte[]>(HiDeviceErrorKind.Rejected, response.StatusCode, null, $"file is {response.Content.Headers.ContentLength} bytes; at most {maxBytes} expected", elapsed);
            await using var body = await response.Content.ReadAsStreamAsync(limit.Token);
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = await body.ReadAsync(chunk, limit.Token)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                    return Failed<byte[]>(HiDeviceErrorKind.Rejected, response.StatusCode, null, $"file is larger than the {maxBytes} bytes expected", elapsed);
                buffer.Write(chunk, 0, read);
            }

            return new CallResult<byte[]>(buffer.ToArray(), null, response.StatusCode, null, null, _time.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed<byte[]>(HiDeviceErrorKind.Timeout, null, null, "the download did not finish in time", _time.GetElapsedTime(started));
        }
        catch (HttpRequestException ex)
        {
            return Failed<byte[]>(HiDeviceErrorKind.Network, null, null, ex.Message, _time.GetElapsedTime(started));
        }
    }

    private static CallResult<T> Failed<T>(HiDeviceErrorKind kind, HttpStatusCode? status, TimeSpan? retryAfter, string? detail,
        TimeSpan elapsed) => new(default, kind, status, retryAfter, detail, elapsed);

    private TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - _time.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };

    private static async Task<string> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var problem = await response.Content.ReadFromJsonAsync(ContractsJson.Default.Problem, cancellationToken);
            return problem?.Detail ?? problem?.Title ?? response.ReasonPhrase ?? "";
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            return response.ReasonPhrase ?? "";
        }
    }

    public void Dispose() => _client.Dispose();
}
