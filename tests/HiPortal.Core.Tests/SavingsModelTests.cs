using HiPortal.Core.Savings;

namespace HiPortal.Core.Tests;

public class SavingsModelTests
{
    private static readonly DeviceProfile s_profile = new(
        Name: "test",
        UplinkBytesPerSecond: 1000,
        DownlinkBytesPerSecond: 2000,
        JoulesPerByteSent: 0.001,
        JoulesPerTransmission: 0.5,
        JoulesPerLocalInference: 0.1,
        LocalInferenceSeconds: 0.05,
        NetworkRoundTripSeconds: 0.2,
        Source: "hand-made");

    [Fact]
    public void Estimate_MatchesHandComputedFormulas()
    {
        var estimate = SavingsModel.Estimate(0.25, sampleBytes: 1000, responseBytes: 400, s_profile,
            serverQueueSeconds: 0.01, serverInferenceSeconds: 0.04);

        Assert.Equal(1000, estimate.BytesSentFullOffload);
        Assert.Equal(250, estimate.BytesSentHi, 12);
        Assert.Equal(0.75, estimate.BandwidthSavedFraction, 12);
        // t_up = 1000/1000 + 0.2/2 = 1.1; t_down = 400/2000 + 0.1 = 0.3; full = 1.1 + 0.01 + 0.04 + 0.3 = 1.45.
        Assert.Equal(0.05, estimate.LatencyOnDeviceSeconds, 12);
        Assert.Equal(1.45, estimate.LatencyFullOffloadSeconds, 12);
        // HI = 0.05 + 0.25·1.45 = 0.4125; saved = 1 − 0.4125/1.45 = 0.7155172.
        Assert.Equal(0.4125, estimate.LatencyHiSeconds, 12);
        Assert.Equal(0.7155172, estimate.LatencySavedFraction, 6);
        // E_tx = 0.5 + 1000·0.001 = 1.5; HI = 0.1 + 0.25·1.5 = 0.475; saved = 1 − 0.475/1.5 = 0.6833333.
        Assert.Equal(1.5, estimate.EnergyFullOffloadJoules, 12);
        Assert.Equal(0.475, estimate.EnergyHiJoules, 12);
        Assert.Equal(0.6833333, estimate.EnergySavedFraction, 6);
    }

    [Fact]
    public void Estimate_WhenEverythingIsOffloaded_CostsMoreThanFullOffload()
    {
        var estimate = SavingsModel.Estimate(1, 1000, 400, s_profile, 0, 0);

        // HI still runs the tiny model first, so it is 0.05 s and 0.1 J worse than offloading outright.
        Assert.Equal(0, estimate.BandwidthSavedFraction);
        Assert.True(estimate.LatencySavedFraction < 0);
        Assert.Equal(-0.1 / 1.5, estimate.EnergySavedFraction, 12);
    }

    [Theory]
    [InlineData(-0.1, 784)]
    [InlineData(1.1, 784)]
    [InlineData(double.NaN, 784)]
    [InlineData(0.5, 0)]
    public void Estimate_RejectsBadFractionOrSize(double fraction, int sampleBytes)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SavingsModel.Estimate(fraction, sampleBytes, 100, s_profile, 0, 0));
    }

    [Fact]
    public void Get_IsCaseInsensitive_AndUnknownNameListsProfiles()
    {
        Assert.Same(DeviceProfiles.Esp32Wifi, DeviceProfiles.Get("ESP32-WiFi"));
        var error = Assert.Throws<ArgumentException>(() => DeviceProfiles.Get("pdp-11"));
        Assert.Contains("esp32-wifi, nrf52840-ble, stm32-lte-m", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void All_ProfilesArePositiveAndSourced()
    {
        Assert.Equal(3, DeviceProfiles.All.Count);
        Assert.All(DeviceProfiles.All, p =>
        {
            Assert.True(p.UplinkBytesPerSecond > 0 && p.DownlinkBytesPerSecond > 0);
            Assert.True(p.JoulesPerByteSent > 0 && p.JoulesPerTransmission > 0 && p.JoulesPerLocalInference > 0);
            Assert.True(p.LocalInferenceSeconds > 0 && p.NetworkRoundTripSeconds > 0);
            Assert.False(string.IsNullOrWhiteSpace(p.Source));
        });
    }
}
