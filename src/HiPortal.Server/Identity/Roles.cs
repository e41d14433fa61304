namespace HiPortal.Server.Identity;

public static class Roles
{
    public const string Admin = "Admin";
    public const string Operator = "Operator";
    public const string Device = "Device";
}

public static class Policies
{
    /// <summary>Changes anything: devices, keys, thresholds, users.</summary>
    public const string Admin = "admin";

    /// <summary>Reads everything: admins and operators.</summary>
    public const string Reader = "reader";

    /// <summary>A device posting as itself.</summary>
    public const string Device = "device";

    /// <summary>Runs the large model through the Open Inference Protocol: devices, admins and operators.</summary>
    public const string Inference = "inference";
}

public static class HiPortalClaims
{
    public const string DeviceId = "hiportal:device";
    public const string Fleet = "hiportal:fleet";
}
