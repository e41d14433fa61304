using System.Security.Claims;
using HiPortal.Server.Identity;
using HiPortal.Server.RemoteConfig;
using Microsoft.Extensions.DependencyInjection;

namespace HiPortal.Server.Tests;

/// <summary>One notion of the caller: the API and the dashboard both name and authorise it through CurrentUser.</summary>
public sealed class CurrentUserTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public void CurrentUser_NamesTheCaller_AndIsAdminOnlyWithTheAdminRole()
    {
        var admin = CurrentUser.From(Principal("ada", Roles.Admin));
        var anonymous = CurrentUser.From(new ClaimsPrincipal(new ClaimsIdentity()));

        Assert.Equal(("ada", true), (admin.Actor, admin.IsAdmin));
        Assert.Equal(("olga", false), (CurrentUser.From(Principal("olga", Roles.Operator)).Actor, CurrentUser.From(Principal("olga", Roles.Operator)).IsAdmin));
        Assert.Equal(("unknown", false), (anonymous.Actor, anonymous.IsAdmin));
    }

    [Fact]
    public async Task ConfigService_RefusesAnOperator_AndChangesNothing()
    {
        var fleet = Samples.Unique("refused");
        using var admin = await server.App.CreateAdminAsync();
        await admin.CreateFleetAsync(new CreateFleetRequest(fleet, Threshold: 0.6));
        var configs = server.App.Services.GetRequiredService<ConfigService>();

        var result = await configs.ChangeFleetAsync(fleet, new ConfigChange(Threshold: 0.9), CurrentUser.From(Principal("olga", Roles.Operator)),
            "fleet.config", CancellationToken.None);

        Assert.True(result.Forbidden);
        Assert.Equal(0.6, (await admin.GetFleetAsync(fleet)).GetProperty("desired").GetProperty("threshold").GetDouble());
    }

    private static ClaimsPrincipal Principal(string name, string role) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, role)], "test"));
}
