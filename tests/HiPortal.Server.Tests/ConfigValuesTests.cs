using HiPortal.Server.RemoteConfig;

namespace HiPortal.Server.Tests;

/// <summary>The one configuration value a fleet has and a device overrides, and its one apply.</summary>
public sealed class ConfigValuesTests
{
    [Fact]
    public void With_ChangesOnlyTheGivenFields_AndNormalisesTheRuleName()
    {
        var changed = ConfigValues.FleetDefaults.With(new ConfigChange(Rule: "TOP2-LR", Coefficients: [0.1, 2, -3]));

        Assert.Equal(new DeviceConfiguration("top2-lr", 0.65, [0.1, 2, -3], 10), changed.Resolve(), s_deviceConfigurationComparer);
    }

    [Fact]
    public void Overrides_OverAFleet_TakeEachSetFieldAndInheritTheRest()
    {
        var fleet = ConfigValues.FleetDefaults.With(new ConfigChange(Coefficients: [1, 2, 3], TelemetryIntervalSeconds: 30));
        var overrides = ConfigValues.None.With(new ConfigChange(Threshold: 0.4));

        var effective = overrides.Over(fleet).Resolve();

        Assert.Equal(new DeviceConfiguration("max-softmax", 0.4, [1, 2, 3], 30), effective, s_deviceConfigurationComparer);
        Assert.True(ConfigValues.None.IsEmpty);
        Assert.False(overrides.IsEmpty);
    }

    private static readonly IEqualityComparer<DeviceConfiguration> s_deviceConfigurationComparer =
        EqualityComparer<DeviceConfiguration>.Create((a, b) => a!.SameAs(b!), c => c.Rule.GetHashCode(StringComparison.Ordinal));
}
