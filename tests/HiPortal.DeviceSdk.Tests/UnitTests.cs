using HiPortal.DeviceSdk.Offload;
using HiPortal.DeviceSdk.Transport;

namespace HiPortal.DeviceSdk.Tests;

public sealed class OfflineBufferUnitTests
{
    [Fact]
    public void Add_DropsTheOldest_WhenFull_AndStartsOneDrainer()
    {
        var buffer = new OfflineBuffer(capacity: 2);
        var items = Enumerable.Range(1, 4).Select(Item).ToArray();

        var added = items.Select(buffer.Add).ToArray();

        Assert.Equal([true, false, false, false], added.Select(a => a.StartDrainer));
        Assert.Equal([null, null, "s1", "s2"], added.Select(a => a.Dropped?.SampleId));
        Assert.True(buffer.TryTakeOldest(out var oldest));
        Assert.Equal("s3", oldest!.SampleId);
    }

    [Fact]
    public void ReturnOldest_PutsTheItemBackInFront_AndTryTakeOldestEndsTheDrainerWhenEmpty()
    {
        var buffer = new OfflineBuffer(capacity: 2);
        buffer.Add(Item(1));
        buffer.TryTakeOldest(out var taken);
        buffer.Add(Item(2));

        Assert.Null(buffer.ReturnOldest(taken!));
        Assert.True(buffer.TryTakeOldest(out var first));
        Assert.Equal("s1", first!.SampleId);
        Assert.True(buffer.TryTakeOldest(out _));
        Assert.False(buffer.TryTakeOldest(out _));
        Assert.False(buffer.IsOffline);
        Assert.True(buffer.Add(Item(3)).StartDrainer);
    }

    private static PendingOffload Item(int n) => new($"s{n}", "UINT8", new byte[784], 0, 0.5f, 0, null, DateTimeOffset.UnixEpoch);
}

public sealed class BackoffUnitTests
{
    [Fact]
    public void Next_HonoursRetryAfter_NeverEarlier_AndCapsIt()
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), new Random(1));

        for (var i = 0; i < 100; i++)
        {
            Assert.InRange(backoff.Next(1, TimeSpan.FromSeconds(2)), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2.2));
            Assert.InRange(backoff.Next(1, TimeSpan.FromMinutes(5)), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(11));
        }
    }

    [Fact]
    public void Next_DoublesTheCeiling_UpToTheMaximum()
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), new Random(2));

        for (var failures = 1; failures <= 40; failures++)
        {
            var ceiling = Math.Min(100 * Math.Pow(2, failures - 1), 1000);
            Assert.InRange(backoff.Next(failures, null).TotalMilliseconds, ceiling / 2, ceiling);
        }
    }
}
