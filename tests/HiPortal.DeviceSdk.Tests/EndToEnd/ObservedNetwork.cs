using System.Collections.Concurrent;

namespace HiPortal.DeviceSdk.Tests.EndToEnd;

/// <summary>
/// The simulated fleet's one connection pool, watched: which offloads the server answered (by device key), a signal
/// after the n-th answer (to act mid-run), and on request the loss of a device's next offload and telemetry
/// responses after the server produced them (the server stored them; the device must retry without double counting).
/// </summary>
public sealed class ObservedNetwork() : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _answered = new();
    private readonly ConcurrentDictionary<(string Key, string Path), byte> _toLose = new();
    private readonly ConcurrentDictionary<string, int> _lostOffloads = new();
    private readonly Lock _lock = new();
    private readonly List<(int Count, TaskCompletionSource Reached)> _waiters = [];
    private readonly TaskCompletionSource _allLost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _answeredOffloads;
    private int _lost;

    /// <summary>Responses thrown away by <see cref="LoseNextResponses"/>.</summary>
    public int Lost => Volatile.Read(ref _lost);

    /// <summary>Offload answers thrown away for the device with <paramref name="key"/>.</summary>
    public int LostOffloadAnswers(string key) => _lostOffloads.GetValueOrDefault(key);

    /// <summary>Distinct sample ids the server answered for the device with <paramref name="key"/>.</summary>
    public IReadOnlyCollection<string> AnsweredSampleIds(string key) =>
        _answered.TryGetValue(key, out var ids) ? ids.Keys.ToList() : [];

    /// <summary>Completes once the server has answered <paramref name="count"/> offloads (retries included).</summary>
    public Task OffloadsAnswered(int count)
    {
        lock (_lock)
        {
            if (_answeredOffloads >= count)
                return Task.CompletedTask;
            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, reached));
            return reached.Task;
        }
    }

    /// <summary>Completes once every answer <see cref="LoseNextResponses"/> asked for has been thrown away.</summary>
    public Task ResponsesLost => _allLost.Task;

    /// <summary>Throws away, after the server answered, the next offload and the next telemetry answer of each key.</summary>
    public void LoseNextResponses(IEnumerable<string> keys)
    {
        foreach (var key in keys)
        {
            _toLose[(key, "offloads")] = 0;
            _toLose[(key, "telemetry")] = 0;
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        var key = request.Headers.Authorization?.Parameter ?? "";
        var path = request.RequestUri!.AbsolutePath;
        var endpoint = path.EndsWith("/offloads", StringComparison.Ordinal) ? "offloads"
            : path.EndsWith("/telemetry", StringComparison.Ordinal) ? "telemetry" : null;
        if (endpoint is null || !response.IsSuccessStatusCode)
            return response;

        if (_toLose.TryRemove((key, endpoint), out _))
        {
            Interlocked.Increment(ref _lost);
            if (endpoint == "offloads")
                _lostOffloads.AddOrUpdate(key, 1, (_, n) => n + 1);
            response.Dispose();
            if (_toLose.IsEmpty)
                _allLost.TrySetResult();
            throw new HttpRequestException("connection reset by peer (the answer was lost on the way back)");
        }

        if (endpoint == "offloads")
        {
            var sampleId = request.Headers.GetValues("X-HiPortal-Sample-Id").Single();
            _answered.GetOrAdd(key, _ => new()).TryAdd(sampleId, 0);
            lock (_lock)
            {
                _answeredOffloads++;
                foreach (var waiter in _waiters.Where(w => w.Count <= _answeredOffloads).ToList())
                {
                    waiter.Reached.TrySetResult();
                    _waiters.Remove(waiter);
                }
            }
        }

        return response;
    }
}
