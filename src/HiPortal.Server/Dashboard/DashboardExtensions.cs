using HiPortal.Server.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor.Services;

namespace HiPortal.Server.Dashboard;

public static class DashboardExtensions
{
    public const string AccessDeniedPath = "/access-denied";

    /// <summary>Blazor (interactive server) with MudBlazor; its reads go through the features' query classes.</summary>
    public static IHostApplicationBuilder AddDashboard(this IHostApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddCascadingAuthenticationState();
        // Replaces the framework's provider: a circuit's user is re-checked when it changes (role, disable, delete).
        builder.Services.AddScoped<AuthenticationStateProvider, CircuitAuthenticationState>();
        builder.Services.AddMudServices();
        builder.Services.AddScoped<DashboardData>();
        builder.Services.AddSingleton<Models.ClassNames>();
        builder.Services.AddSingleton<DeviceConnection>();
        // Without this, an operator opening /thresholds is sent to the cookie default /Account/AccessDenied: a 404.
        builder.Services.PostConfigure<CookieAuthenticationOptions>(IdentityExtensions.CookieScheme,
            o => o.AccessDeniedPath = AccessDeniedPath);
        return builder;
    }

    public static WebApplication MapDashboard(this WebApplication app)
    {
        // Loudly, at start: without its assets the dashboard renders but never connects.
        WebAssets.EnsurePresent(app.Environment.WebRootFileProvider);
        // Named explicitly: when another program hosts the server (the benchmark does), the default manifest name
        // would be that program's.
        var manifest = Path.Combine(AppContext.BaseDirectory, "HiPortal.Server.staticwebassets.endpoints.json");
        if (File.Exists(manifest))
        {
            app.MapStaticAssets(manifest);
        }
        else
        {
            app.MapStaticAssets();
        }

        // The sign-out form carries the page's antiforgery token, so another site cannot sign an operator out (the
        // cookie is SameSite=Strict, so a browser would not send it cross-site anyway; this does not rely on that).
        // A POST without it is refused by UseAntiforgery, with the problem from UseAntiforgeryProblems.
        app.MapPost("/account/logout", async (HttpContext context) =>
        {
            await context.SignOutAsync(IdentityExtensions.CookieScheme);
            return Results.LocalRedirect("/login");
        }).WithMetadata(new Microsoft.AspNetCore.Antiforgery.RequireAntiforgeryTokenAttribute());
        app.MapGet("/export/decisions.csv", DecisionsExport.WriteAsync).RequireAuthorization(Policies.Reader);
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
