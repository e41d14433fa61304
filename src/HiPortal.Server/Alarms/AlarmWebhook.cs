using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Threading.Channels;
using HiPortal.Server.Observability;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Alarms;

/// <summary>
/// Posts every raise and clear to the configured URL, signed (<see cref="WebhookSignature"/>), one at a time in order,
/// retrying failures with exponential back-off. Callers only ever <see cref="TryEnqueue"/> into a bounded channel:
/// when the receiver is dead or slow and the channel fills, the new event is dropped and counted
/// (<c>hiportal.alarms.webhook</c>{outcome=dropped}), so no raise, and nothing that raises, waits on the network.
/// An event already delivered is not sent again; the event id header lets a receiver drop a retry it already has.
/// </summary>
public sealed class AlarmWebhook : BackgroundService
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);
    private readonly Channel<AlarmEvent> _queue;
    private readonly WebhookOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<AlarmWebhook> _logger;
    private readonly HttpClient _http;
    private readonly Counter<long> _outcomes;
    private readonly HashSet<string> _delivered = [];
    private readonly Queue<string> _deliveredOrder = new();
    private long _dropped;
    private long _sent;

    private readonly List<(long Count, TaskCompletionSource Done)> _sentWaiters = [];

    public AlarmWebhook(IOptions<WebhookOptions> options, TimeProvider time, IMeterFactory meters, ILogger<AlarmWebhook> logger)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
        _queue = Channel.CreateBounded<AlarmEvent>(new BoundedChannelOptions(_options.Capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // with TryWrite: full answers false at once, and the event is dropped
        });
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = _options.Timeout }) { Timeout = Timeout.InfiniteTimeSpan };
        _outcomes = meters.Create(HiPortalMetrics.MeterName)
            .CreateCounter<long>("hiportal.alarms.webhook", "{event}", "Alarm webhook events by outcome (sent, dropped, failed)");
    }

    public bool Enabled => !string.IsNullOrEmpty(_options.Url);

    /// <summary>Events dropped because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Events the receiver accepted.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Completes once <paramref name="count"/> events have been delivered: the signal a caller awaits instead of polling <see cref="Sent"/>.</summary>
    public Task WhenSentAsync(long count)
    {
        lock (_sentWaiters)
        {
            if (Sent >= count)
            {
                return Task.CompletedTask;
            }

            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _sentWaiters.Add((count, waiter));
            return waiter.Task;
        }
    }

    private void CountSent()
    {
        lock (_sentWaiters)
        {
            var sent = Interlocked.Increment(ref _sent);
            _sentWaiters.RemoveAll(w => w.Count <= sent && w.Done.TrySetResult());
        }
    }

    public void TryEnqueue(AlarmEvent change)
    {
        if (!Enabled || _queue.Writer.TryWrite(change))
        {
            return;
        }

        Interlocked.Increment(ref _dropped);
        Count("dropped");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var change in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                if (!_delivered.Contains(change.EventId))
                {
                    await DeliverAsync(change, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down: what is queued is lost, as a full queue's would be.
        }
    }

    private async Task DeliverAsync(AlarmEvent change, CancellationToken stoppingToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(change, s_json);
        var backoff = _options.InitialBackoff;
        for (var attempt = 1; attempt <= _options.MaxAttempts; attempt++)
        {
            var (delivered, retry) = await PostAsync(change, body, attempt, stoppingToken);
            if (delivered)
            {
                Remember(change.EventId);
                CountSent();
                Count("sent");
                return;
            }

            if (!retry || attempt == _options.MaxAttempts)
            {
                break;
            }

            await Task.Delay(backoff, _time, stoppingToken);
            backoff *= 2;
        }

        Count("failed");
        _logger.LogWarning("Alarm webhook gave up on event {EventId} after {Attempts} attempts", change.EventId, _options.MaxAttempts);
    }

    /// <summary>One attempt: delivered, or whether trying again could help (not for a 4xx other than 408 and 429).</summary>
    private async Task<(bool Delivered, bool Retry)> PostAsync(AlarmEvent change, byte[] body, int attempt, CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(_options.Timeout);
        var timestamp = _time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, _options.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add(WebhookSignature.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(_options.Secret ?? "", timestamp, body));
        request.Headers.Add(WebhookSignature.EventIdHeader, change.EventId);
        try
        {
            using var response = await _http.SendAsync(request, timeout.Token);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return (true, false);
            }

            _logger.LogWarning("Alarm webhook answered {Status} to event {EventId} (attempt {Attempt})", status, change.EventId, attempt);
            return (false, status is >= 500 or 408 or 429);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !stoppingToken.IsCancellationRequested)
        {
            // The URL may carry credentials in its query: log the failure, not the address.
            _logger.LogWarning("Alarm webhook call for event {EventId} failed (attempt {Attempt}): {Error}", change.EventId, attempt, ex.GetType().Name);
            return (false, true);
        }
    }

    private void Remember(string eventId)
    {
        _delivered.Add(eventId);
        _deliveredOrder.Enqueue(eventId);
        if (_deliveredOrder.Count > 4096)
        {
            _delivered.Remove(_deliveredOrder.Dequeue());
        }
    }

    private void Count(string outcome) => _outcomes.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }
}
