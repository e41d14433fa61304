using HiPortal.Server.Persistence;

namespace HiPortal.Server.Tests.Persistence;

public sealed class WriteGateTests
{
    [Fact]
    public async Task OneWriterAtATime_UrgentWaitersFirst_ThenTheOthersInArrivalOrder()
    {
        var gate = new WriteGate(exclusive: true);
        var order = new List<string>();
        var held = await gate.EnterAsync();
        var first = Take(gate, WritePriority.Normal, "normal 1", order);
        var second = Take(gate, WritePriority.Normal, "normal 2", order);
        var urgent = Take(gate, WritePriority.Urgent, "urgent", order);

        Assert.False(first.IsCompleted || second.IsCompleted || urgent.IsCompleted);
        held.Dispose();
        await Task.WhenAll(first, second, urgent);

        Assert.Equal(["urgent", "normal 1", "normal 2"], order);
        // Free again: the next writer enters at once.
        Assert.True(gate.EnterAsync().AsTask().IsCompletedSuccessfully);
    }

    [Fact]
    public async Task ACancelledWaiter_IsSkipped_AndTheNextOneGetsTheTurn()
    {
        var gate = new WriteGate(exclusive: true);
        var held = await gate.EnterAsync();
        using var cancel = new CancellationTokenSource();
        var cancelled = gate.EnterAsync(cancellationToken: cancel.Token).AsTask();
        var next = gate.EnterAsync().AsTask();

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.False(next.IsCompleted);
        held.Dispose();

        (await next).Dispose();
        Assert.True(gate.EnterAsync().AsTask().IsCompletedSuccessfully);
    }

    [Fact]
    public void WhenNotExclusive_EveryWriterEntersAtOnce()
    {
        var gate = new WriteGate(exclusive: false);

        var turns = Enumerable.Range(0, 3).Select(_ => gate.EnterAsync().AsTask()).ToList();

        Assert.All(turns, t => Assert.True(t.IsCompletedSuccessfully));
    }

    private static async Task Take(WriteGate gate, WritePriority priority, string name, List<string> order)
    {
        using var turn = await gate.EnterAsync(priority);
        lock (order)
        {
            order.Add(name);
        }
    }
}
