namespace HiPortal.Server.Tests;

/// <summary>The first admin, created on an empty database from <c>Admin:Password</c>, meets the password policy.</summary>
public sealed class AdminBootstrapTests
{
    [Theory]
    [InlineData("short")]
    [InlineData("aaaaaaaaaaaa")]
    [InlineData("          ")]
    public async Task Start_FailsNamingAdminPassword_WhenTheConfiguredPasswordIsWeak(string password)
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var host = await HiPortalHost.StartAsync(new() { Settings = new Dictionary<string, string?> { ["Admin:Password"] = password } });
        });

        Assert.Contains("Admin:Password", Flatten(failure), StringComparison.Ordinal);
    }

    private static string Flatten(Exception exception) =>
        exception.InnerException is null ? exception.Message : exception.Message + " | " + Flatten(exception.InnerException);
}
