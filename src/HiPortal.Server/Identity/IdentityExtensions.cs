using HiPortal.Server.Devices;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;

namespace HiPortal.Server.Identity;

public static class IdentityExtensions
{
    public static IHostApplicationBuilder AddIdentityFeature(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<IdentityOptions>().BindConfiguration(IdentityOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.Section);
        builder.Services.AddDataProtection().SetApplicationName("HiPortal");
        builder.Services.AddSingleton<IPasswordHasher<User>, PasswordHasher<User>>();
        builder.Services.AddSingleton<TokenService>();
        builder.Services.AddSingleton<DeviceKeyVerifier>();
        builder.Services.AddAuthentication(BearerAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, BearerAuthenticationHandler>(
                BearerAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Admin, p => p.RequireRole(Roles.Admin))
            .AddPolicy(Policies.Reader, p => p.RequireRole(Roles.Admin, Roles.Operator))
            .AddPolicy(Policies.Device, p => p.RequireRole(Roles.Device).RequireClaim(HiPortalClaims.DeviceId))
            .AddPolicy(Policies.Inference, p => p.RequireRole(Roles.Device, Roles.Admin, Roles.Operator));
        return builder;
    }
}
