namespace HiPortal.Server.Tests;

/// <summary>
/// One server with a caller of every kind: nobody, an operator, the admin, two devices (A and B, with different
/// configurations: A is at version 3, B at version 2) and a device key that was revoked.
/// </summary>
public sealed class MatrixServer : HostFixture
{
    public const string Fleet = "matrix";
    public const string WriteFleet = "matrix-write";
    public const string AdviceFleet = "matrix-advice";
    public const string OperatorName = "matrix-operator";
    public const double ThresholdA = 0.55;
    public const double ThresholdB = 0.33;

    public HiPortalClient Admin { get; private set; } = null!;

    public HiPortalClient Operator { get; private set; } = null!;

    public CreatedDevice DeviceA { get; private set; } = null!;

    public CreatedDevice DeviceB { get; private set; } = null!;

    /// <summary>A device in <see cref="WriteFleet"/> that admin writes change.</summary>
    public CreatedDevice Target { get; private set; } = null!;

    /// <summary>Devices the admin's calls revoke (a key, the whole device).</summary>
    public CreatedDevice KeyToRevoke { get; private set; } = null!;

    public CreatedDevice DeviceToRevoke { get; private set; } = null!;

    public string RevokedKey { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Admin = await App.CreateAdminAsync();
        Operator = await App.CreateOperatorAsync(OperatorName);
        DeviceA = await App.RegisterDeviceAsync("device-a", Fleet);
        DeviceB = await App.RegisterDeviceAsync("device-b", Fleet);
        await Admin.SetOverrideAsync(DeviceA.DeviceId, new ConfigChange(Threshold: 0.5));
        await Admin.SetOverrideAsync(DeviceA.DeviceId, new ConfigChange(Threshold: ThresholdA));
        await Admin.SetOverrideAsync(DeviceB.DeviceId, new ConfigChange(Threshold: ThresholdB));
        Target = await App.RegisterDeviceAsync("target", WriteFleet);
        KeyToRevoke = await App.RegisterDeviceAsync("key-to-revoke", WriteFleet);
        DeviceToRevoke = await App.RegisterDeviceAsync("device-to-revoke", WriteFleet);

        // A second key for A, revoked at once: A's first key stays valid.
        var rotated = await Admin.RotateKeyAsync(DeviceA.DeviceId);
        RevokedKey = rotated.Key;
        await Admin.RevokeKeyAsync(DeviceA.DeviceId, rotated.KeyId);

        // Offloads in a fleet of their own, so applying advice there has something to apply.
        using var adviser = await App.CreateDeviceAsync("adviser", AdviceFleet);
        await adviser.PostLabelledOffloadsAsync(8, "matrix-advice");
    }

    public HiPortalClient ClientFor(Caller caller) => caller switch
    {
        Caller.Anonymous => App.CreateAnonymousClient(),
        Caller.Operator => App.CreateClient(Operator.Bearer!),
        Caller.Admin => App.CreateClient(Admin.Bearer!),
        Caller.DeviceA => App.CreateClient(DeviceA.Key),
        Caller.DeviceB => App.CreateClient(DeviceB.Key),
        Caller.RevokedKey => App.CreateClient(RevokedKey),
        _ => throw new ArgumentOutOfRangeException(nameof(caller)),
    };

    public override async Task DisposeAsync()
    {
        Admin?.Dispose();
        Operator?.Dispose();
        await base.DisposeAsync();
    }
}

public enum Caller
{
    Anonymous,
    Operator,
    Admin,
    DeviceA,
    DeviceB,
    RevokedKey,
}
