using System.ComponentModel.DataAnnotations;
using HiPortal.Server.Persistence;
using HiPortal.Server.RemoteConfig;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Advice;

public sealed class AutoThresholdOptions
{
    public const string Section = "AutoThreshold";

    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Offloads a fleet needs before its threshold is moved automatically.</summary>
    [Range(1, 1_000_000)]
    public int MinOffloads { get; set; } = 200;

    /// <summary>Smaller moves are not worth a new configuration version.</summary>
    [Range(0.0, 1.0)]
    public double MinChange { get; set; } = 0.005;

    [Range(0.0, 1.0)]
    public double Beta { get; set; } = 0.3;

    /// <summary>The period over which a fleet's offload cap (<c>MaxOffloadFraction</c>) is measured.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan BudgetWindow { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>
/// The opt-in auto mode: for fleets with <c>AutoThreshold</c> on, applies the online recommendation on a schedule,
/// clamped to the admin's bounds, as an ordinary audited change by the actor "auto".
/// </summary>
public sealed class AutoThresholdService(IDbContextFactory<HiPortalDb> dbFactory, ThresholdAdvisor advisor, ConfigService configs,
    IOptions<AutoThresholdOptions> options, TimeProvider time, ILogger<AutoThresholdService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await RunOnceAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    /// <summary>One pass over the auto fleets; returns how many were changed.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var changed = 0;
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var fleets = await db.Fleets.AsNoTracking().Where(f => f.AutoThreshold).ToListAsync(cancellationToken);
            foreach (var fleet in fleets)
            {
                var advice = await advisor.AdviseAsync(fleet.Name, null, options.Value.Beta, 1.0, cancellationToken);
                if (advice?.Online is not { } online || advice.Offloads < options.Value.MinOffloads)
                {
                    continue;
                }

                var target = Math.Round(Math.Clamp(online.Threshold, fleet.AutoThresholdMin, fleet.AutoThresholdMax), 4);
                if (fleet.MaxOffloadFraction is { } cap && await CeilingAsync(db, fleet, cap, cancellationToken) is { } ceiling)
                {
                    target = Math.Round(Math.Min(target, ceiling), 4);
                }

                if (Math.Abs(target - DeviceConfiguration.Desired(fleet).Threshold) < options.Value.MinChange)
                {
                    continue;
                }

                var result = await configs.ChangeFleetAsync(fleet.Name,
                    new ConfigChange(target, null, null, null, $"auto: {online.Learner} over {online.Rounds} offloads, bounds [{fleet.AutoThresholdMin}, {fleet.AutoThresholdMax}]" +
                        (fleet.MaxOffloadFraction is { } c ? $", offloads ≤ {c:P0}" : "")),
                    "auto", "advice.auto", cancellationToken);
                changed += result.Error is null ? 1 : 0;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Automatic threshold pass failed; the next pass retries");
        }

        return changed;
    }

    /// <summary>The highest θ that keeps the fleet within its offload cap over the last <see cref="AutoThresholdOptions.BudgetWindow"/>.</summary>
    private async Task<double?> CeilingAsync(HiPortalDb db, Fleets.Fleet fleet, double cap, CancellationToken cancellationToken)
    {
        var since = time.GetUtcNow().Add(-options.Value.BudgetWindow).ToUnixTimeMilliseconds();
        var samples = await db.Telemetry.Where(t => t.Fleet == fleet.Name && t.PeriodEndMs >= since).SumAsync(t => (long?)t.Samples, cancellationToken) ?? 0;
        var confidences = await db.Decisions.Where(d => d.Fleet == fleet.Name && d.ReceivedAtMs >= since && !d.Exploration)
            .Select(d => d.LocalConfidence).ToListAsync(cancellationToken);
        return OffloadCap.MaxThreshold(confidences, samples, cap, DeviceConfiguration.Desired(fleet).ExplorationRate);
    }
}
