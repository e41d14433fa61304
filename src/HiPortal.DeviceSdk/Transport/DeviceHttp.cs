using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using HiPortal.Contracts;

namespace HiPortal.DeviceSdk.Transport;

/// <summary>
/// Sends one request and classifies what came back. Timeouts run on the real clock (they bound real I/O);
/// waits between tries are the caller's, on the injected <see cref="TimeProvider"/>.
/// </summary>
internal sealed class DeviceHttp : IDisposable
{
    private readonly HttpClient _client;
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;

    public DeviceHttp(HiDeviceOptions options)
    {
        var handler = options.HttpMessageHandler
            ?? ServerCertificates.CreateHandler(options.ServerCertificateThumbprint, options.AcceptAnyServerCertificate, options.RequestTimeout);
        _client = new HttpClient(handler, disposeHandler: options.HttpMessageHandler is null)
        {
            BaseAddress = options.ServerUri,
            // Per-request limits below; long-polls need longer than ordinary calls.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.DeviceKey);
        _time = options.TimeProvider;
        _timeout = options.RequestTimeout;
    }

    public async Task<CallResult<T>> SendAsync<T>(HttpRequestMessage request, JsonTypeInfo<T> answer,
        CancellationToken cancellationToken, TimeSpan? timeout = null)
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
