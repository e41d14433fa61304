using HiPortal.Server.Devices;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HiPortal.Server.Identity;

public static class IdentityExtensions
{
    public const string CookieScheme = "HiPortalCookie";

    /// <summary>The bearer scheme answers itself (null), or sends the request to the cookie scheme.</summary>
    private static string? CookieUnlessBearer(HttpContext context) =>
        context.Request.Headers.Authorization.Count > 0 ||
        context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/v2") ||
        context.Request.Path.StartsWithSegments(OpenInference.Grpc.GrpcInferenceExtensions.PathPrefix) ||
        (context.Request.Path.StartsWithSegments("/hubs") && context.Request.Query.ContainsKey("access_token"))
            ? null
            : CookieScheme;

    public static IHostApplicationBuilder AddIdentityFeature(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<IdentityOptions>().BindConfiguration(IdentityOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.Section);
        builder.AddKeyRing();
        // See BearerAuthenticationHandler: one Debug line per rejected bearer instead of two Information lines.
        builder.Logging.AddFilter(typeof(BearerAuthenticationHandler).FullName, LogLevel.Warning);
        builder.Services.AddSingleton<IPasswordHasher<User>, PasswordHasher<User>>();
        builder.Services.AddSingleton<TokenService>();
        builder.Services.AddSingleton<DeviceKeyVerifier>();
        builder.Services.AddSingleton<UserCredentials>();
        builder.Services.AddSingleton<SignInThrottle>();
        builder.Services.AddSingleton<UserSessions>();
        builder.Services.AddSingleton<UserAccounts>();
        builder.Services.AddScoped<CurrentUser>().AddScoped<Microsoft.AspNetCore.Authentication.IClaimsTransformation, CurrentUserClaims>();
        builder.Services.AddAuthentication(BearerAuthenticationHandler.SchemeName)
            // APIs and hubs answer to bearer tokens (device keys, user tokens); the dashboard to its sign-in cookie.
            // Cookies never authenticate /api, /v2 or gRPC, so a browser session cannot be used for cross-site writes.
            // The bearer scheme is the default and forwards the dashboard's requests to the cookie scheme itself: a
            // policy scheme in front of both cost every API request a second handler.
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, BearerAuthenticationHandler>(
                BearerAuthenticationHandler.SchemeName, o => o.ForwardDefaultSelector = CookieUnlessBearer)
            .AddCookie(CookieScheme, o =>
            {
                o.LoginPath = "/login";
                o.Cookie.Name = "hiportal";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Strict;
                o.ExpireTimeSpan = TimeSpan.FromHours(12);
                o.SlidingExpiration = true;
                o.Events.OnValidatePrincipal = CookieRevalidation.ValidatePrincipalAsync;
            });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Admin, p => p.AddRequirements(new CallerRequirement([Roles.Admin])))
            .AddPolicy(Policies.Reader, p => p.AddRequirements(new CallerRequirement([Roles.Admin, Roles.Operator])))
            .AddPolicy(Policies.Device, p => p.AddRequirements(new CallerRequirement([Roles.Device], HiPortalClaims.DeviceId)))
            .AddPolicy(Policies.Inference, p => p.AddRequirements(new CallerRequirement([Roles.Device, Roles.Admin, Roles.Operator])));
        builder.Services.Replace(ServiceDescriptor.Singleton<IPolicyEvaluator, CallerPolicyEvaluator>());
        return builder;
    }
}
