using Microsoft.Extensions.Time.Testing;

namespace HiPortal.Testing;

/// <summary>One server per test class on a <see cref="FakeTimeProvider"/> (see <see cref="HiPortalHostOptions.FakeClock"/>).</summary>
public class FakeClockFixture : HostFixture
{
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    protected override HiPortalHostOptions Options => HiPortalHostOptions.FakeClock(Time);
}
