using System.Net.Http.Json;
using System.Text.Json;
using HiPortal.Server.Alarms;
using Microsoft.Extensions.DependencyInjection;

namespace HiPortal.Server.Tests.Alarms;

/// <summary>
/// A server on a fake clock whose alarm timer never fires on its own (tests call <see cref="EvaluateAsync"/>), with
/// small hysteresis counts and a small drift detector so a handful of real requests drive every condition.
/// </summary>
public sealed class AlarmsFixture : FakeClockFixture
{
    public const int RaiseAfter = 2;
    public const int ClearAfter = 2;
    public const int DriftBlock = 10;
    public const int DriftWarmupBlocks = 5;

    protected override HiPortalHostOptions Options => AlarmHosts.Settings(base.Options);

    public Task EvaluateAsync(int times = 1) => AlarmHosts.EvaluateAsync(App, times);
}

/// <summary>What the alarm tests share: their settings, evaluating, and reading the alarms as an admin sees them.</summary>
public static class AlarmHosts
{
    public static HiPortalHostOptions Settings(HiPortalHostOptions options, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>(options.Settings)
        {
            ["Alarms:Interval"] = "01:00:00",
            ["Alarms:RaiseAfter"] = AlarmsFixture.RaiseAfter.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Alarms:ClearAfter"] = AlarmsFixture.ClearAfter.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Alarms:RejectionsRaiseAbove"] = "5",
            ["Alarms:OffloadRateMinSamples"] = "50",
            ["Alarms:AgreementMinOffloads"] = "5",
            ["Alarms:Drift:BlockSize"] = AlarmsFixture.DriftBlock.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Alarms:Drift:WarmupBlocks"] = AlarmsFixture.DriftWarmupBlocks.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return options with { Settings = settings };
    }

    public static async Task EvaluateAsync(HiPortalHost app, int times = 1)
    {
        var evaluator = app.Services.GetRequiredService<AlarmEvaluator>();
        for (var i = 0; i < times; i++)
        {
            await evaluator.EvaluateOnceAsync(CancellationToken.None);
        }
    }

    /// <summary>Alarms of one kind for one scope, open ones first, as <c>GET /api/v1/admin/alarms</c> lists them.</summary>
    public static async Task<List<JsonElement>> AlarmsAsync(this HiPortalClient admin, string kind, string scope)
    {
        var page = await admin.GetFromJsonAsync<JsonElement>(
            $"{Routes.Alarms}?kind={Uri.EscapeDataString(kind)}&scope={Uri.EscapeDataString(scope)}");
        return page.GetProperty("items").EnumerateArray().ToList();
    }

    public static bool IsOpen(this JsonElement alarm) => alarm.GetProperty("clearedAt").ValueKind == JsonValueKind.Null;

    /// <summary>The audit rows the alarm service wrote for <paramref name="scope"/>, oldest first.</summary>
    public static async Task<List<string>> AlarmAuditAsync(this HiPortalClient admin, string scope) =>
        (await admin.AuditAsync($"scope=alarm&target={Uri.EscapeDataString(scope)}"))
            .Select(a => a.GetProperty("action").GetString()!).Reverse().ToList();
}
