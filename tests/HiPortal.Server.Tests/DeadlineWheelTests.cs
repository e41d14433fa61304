using System.Buffers;
using System.Collections.Concurrent;
using HiPortal.Server.Inference;

namespace HiPortal.Server.Tests;

/// <summary>
/// The deadline wheel on the system clock: expired requests answered in deadline order, never early, with the caller
/// going on on the wheel's own thread; the model's answers handed to the pool; answered requests not piling up.
/// </summary>
public sealed class DeadlineWheelTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    private static InferenceRequest Request(TimeSpan deadline) =>
        InferenceRequest.Create(ArrayPool<float>.Shared.Rent(4), TimeProvider.System, deadline);

    [Fact]
    public async Task ExpiredRequests_AreAnsweredInDeadlineOrder_NeverEarly_OnTheWheelsThread()
    {
        using var wheel = new DeadlineWheel(TimeProvider.System);
        var order = new ConcurrentQueue<int>();
        int[] milliseconds = [60, 20, 40];
        var requests = milliseconds.Select(ms => Request(TimeSpan.FromMilliseconds(ms))).ToArray();
        var answers = requests.Select((r, i) => r.Completion.ContinueWith(t =>
        {
            order.Enqueue(milliseconds[i]);
            return (Thread.CurrentThread.Name, t.Result);
        }, TaskContinuationOptions.ExecuteSynchronously)).ToArray();

        foreach (var request in requests)
        {
            request.ArmDeadline(wheel);
        }

        var answered = await Task.WhenAll(answers).WaitAsync(s_wait);

        Assert.Equal([20, 40, 60], order.ToArray());
        for (var i = 0; i < requests.Length; i++)
        {
            Assert.Equal(InferenceStatus.Expired, answered[i].Result.Status);
            Assert.Equal(DeadlineWheel.ThreadName, answered[i].Name);
            Assert.True(requests[i].TimerRanAt >= requests[i].Deadline, $"the {milliseconds[i]} ms request was answered before its deadline");
            Assert.NotNull(requests[i].Lateness().Timer);
        }

        Assert.Equal(0, wheel.Held);
        Assert.Equal(0, wheel.Live);
    }

    [Fact]
    public async Task AModelAnswerBeforeTheDeadline_Wins_AndTheCallerGoesOnInThePool()
    {
        using var wheel = new DeadlineWheel(TimeProvider.System);
        var request = Request(TimeSpan.FromSeconds(10));
        var answer = request.Completion.ContinueWith(t => (Thread.CurrentThread.IsThreadPoolThread, t.Result),
            TaskContinuationOptions.ExecuteSynchronously);
        request.ArmDeadline(wheel);
        var result = new InferenceResult([1f], [0f], 0, 1f, 1, 0, 0);

        // From a thread outside the pool, as the worker's execution thread can be: the caller must not run on it.
        var completer = new Thread(() => request.Complete(new InferenceOutcome(InferenceStatus.Completed, result)));
        completer.Start();
        completer.Join();
        var (onPool, outcome) = await answer.WaitAsync(s_wait);

        Assert.Equal(InferenceStatus.Completed, outcome.Status);
        Assert.Same(result, outcome.Result);
        Assert.True(onPool, "the model's answer must reach the caller through the thread pool");
        Assert.True(request.IsAnswered);
        Assert.Equal(0, request.TimerRanAt);
        Assert.Null(request.Input);
        Assert.Equal(0, wheel.Live);
        // A second answer changes nothing.
        request.Complete(new InferenceOutcome(InferenceStatus.Failed, Error: "late"));
        Assert.Equal(InferenceStatus.Completed, (await request.Completion).Status);
    }

    [Fact]
    public void RequestsAnsweredEarly_DoNotPileUpInTheWheel()
    {
        using var wheel = new DeadlineWheel(TimeProvider.System);
        for (var i = 0; i < 5_000; i++)
        {
            var request = Request(TimeSpan.FromSeconds(30));
            request.ArmDeadline(wheel);
            request.Complete(new InferenceOutcome(InferenceStatus.Failed, Error: "answered"));
        }

        var waiting = Request(TimeSpan.FromSeconds(30));
        waiting.ArmDeadline(wheel);

        Assert.InRange(wheel.Held, 1, 1_024);
        Assert.Equal(1, wheel.Live);
        Assert.False(waiting.IsAnswered);
    }

    [Fact]
    public async Task ARequestArmedPastItsDeadline_IsAnsweredAtOnce_WithoutTheWheel()
    {
        using var wheel = new DeadlineWheel(TimeProvider.System);
        var request = Request(TimeSpan.Zero);

        request.ArmDeadline(wheel);

        Assert.True(request.Completion.IsCompleted);
        Assert.Equal(InferenceStatus.Expired, (await request.Completion).Status);
        Assert.Equal(0, wheel.Held);
        request.ReturnInput();
    }
}
