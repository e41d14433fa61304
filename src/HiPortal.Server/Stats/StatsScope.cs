namespace HiPortal.Server.Stats;

/// <summary>Whose rows a statistic covers: every fleet, one fleet, or one device.</summary>
public sealed record StatsScope
{
    private StatsScope(string? fleet, string? deviceId) => (Fleet, DeviceId) = (fleet, deviceId);

    public static StatsScope AllFleets { get; } = new(null, null);

    public string? Fleet { get; }

    public string? DeviceId { get; }

    public static StatsScope ForFleet(string fleet) => new(fleet, null);

    public static StatsScope ForDevice(string deviceId) => new(null, deviceId);

    /// <summary>The WHERE prefix that selects the scope's rows; both tables name these columns alike.</summary>
    internal string SqlFilter(string parameter) =>
        Fleet is not null ? $"\"Fleet\" = {parameter} AND " : DeviceId is not null ? $"\"DeviceId\" = {parameter} AND " : "";

    internal string? SqlValue => Fleet ?? DeviceId;
}
