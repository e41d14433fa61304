using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace HiPortal.Server.RemoteConfig;

/// <summary>
/// Maps <see cref="ConfigValues"/> onto the columns fleets and devices have always had (<c>Rule</c>… on Fleets,
/// <c>OverrideRule</c>… on Devices), so the complex type needed no table rebuild.
/// </summary>
internal static class ConfigValuesMapping
{
    /// <param name="prefix">The column prefix ("" for a fleet, "Override" for a device).</param>
    /// <param name="complete">A fleet's values are all set (NOT NULL columns); a device's may each be null.</param>
    public static void Map(ComplexPropertyBuilder<ConfigValues> values, string prefix, bool complete)
    {
        values.Property(v => v.Rule).HasColumnName(prefix + nameof(ConfigValues.Rule)).HasMaxLength(32).IsRequired(complete);
        values.Property(v => v.Threshold).HasColumnName(prefix + nameof(ConfigValues.Threshold)).IsRequired(complete);
        values.Property(v => v.LrBias).HasColumnName(prefix + nameof(ConfigValues.LrBias));
        values.Property(v => v.LrW1).HasColumnName(prefix + nameof(ConfigValues.LrW1));
        values.Property(v => v.LrW2).HasColumnName(prefix + nameof(ConfigValues.LrW2));
        values.Property(v => v.TelemetryIntervalSeconds).HasColumnName(prefix + nameof(ConfigValues.TelemetryIntervalSeconds))
            .IsRequired(complete);
        // Nullable on fleets too: a fleet without one explores nothing (ConfigValues.Resolve), so old rows need no default.
        values.Property(v => v.ExplorationRate).HasColumnName(prefix + nameof(ConfigValues.ExplorationRate));
        values.Ignore(v => v.IsEmpty);
    }
}
