using HiPortal.Core.Inference;
using HiPortal.Server.Inference;

namespace HiPortal.Server.Tests;

/// <summary>
/// Every queued request holds one decoded sample until its batch runs, so a model's input pool has to keep a full
/// queue's worth for reuse: the shared pool kept 32 per core, and beyond them allocated on every rent.
/// </summary>
public sealed class InputPoolTests
{
    [Fact]
    public void AModelsInputPool_HandsBackTheSameBuffers_AfterAFullQueueOfThemWasOut()
    {
        var batching = new BatchingOptions { QueueCapacity = 500, MaxBatchSize = 32, Instances = 2 };
        using var served = new ServedModel(OnnxClassifier.Load(ModelCard.LoadNamed("fashion-large").OnnxPath()), batching);
        var outstanding = batching.QueueCapacity + (batching.MaxBatchSize * batching.Instances);

        var first = Enumerable.Range(0, outstanding).Select(_ => served.RentInput()).ToList();
        first.ForEach(buffer => served.Inputs.Return(buffer));
        var again = Enumerable.Range(0, outstanding).Select(_ => served.RentInput()).ToList();

        Assert.All(again, buffer => Assert.True(buffer.Length >= served.Signature.SampleLength));
        Assert.Equal(outstanding, again.Distinct(ReferenceEqualityComparer.Instance).Count());
        Assert.Equal(outstanding, again.Intersect(first, ReferenceEqualityComparer.Instance).Count());
    }
}
