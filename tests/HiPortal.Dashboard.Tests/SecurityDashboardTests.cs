using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using HiPortal.Server.Live;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace HiPortal.Dashboard.Tests;

/// <summary>
/// Issue 14, findings 4, 11 and 13 through the dashboard: the sign-in cookie is re-checked on every request (a
/// demotion or a disable applies at once), a non-ASCII ReturnUrl signs in, and hub group names are bounded.
/// </summary>
public sealed partial class SecurityDashboardTests(DashboardFixture fixture) : IClassFixture<DashboardFixture>
{
    private const string Password = "cookie-admin-password";
    private readonly DashboardApp _app = fixture.App;

    [Fact]
    public async Task DemotedAdmin_LosesTheThresholdsPage_AtOnce_AndADisabledOne_IsSignedOut()
    {
        var username = await CreateUserAsync("Admin");
        using var browser = await SignInAsync(username, "/");
        using (var before = await browser.GetAsync("/thresholds"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        using var admin = await _app.CreateAdminClientAsync();
        (await admin.PutAsJsonAsync($"/api/v1/admin/users/{username}/role", new { role = "Operator" })).EnsureSuccessStatusCode();

        using (var demoted = await browser.GetAsync("/thresholds"))
        {
            Assert.Equal(HttpStatusCode.Redirect, demoted.StatusCode);
            Assert.StartsWith("/access-denied", demoted.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        }

        (await admin.PutAsJsonAsync($"/api/v1/admin/users/{username}/disabled", new { disabled = true })).EnsureSuccessStatusCode();

        using var disabled = await browser.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, disabled.StatusCode);
        Assert.StartsWith("/login", disabled.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIn_WithANonAsciiLocalReturnUrl_RedirectsThere_Encoded()
    {
        var username = await CreateUserAsync("Operator");

        using var form = await PostLoginAsync(NewBrowser(), username, Password, "/devices?fleet=über");

        Assert.Equal(HttpStatusCode.Redirect, form.StatusCode);
        Assert.Equal("/devices?fleet=%C3%BCber", form.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task LoginForm_IsThrottled_AfterRepeatedFailures()
    {
        var username = await CreateUserAsync("Operator");
        for (var i = 0; i < 5; i++)
        {
            using var failed = await PostLoginAsync(NewBrowser(), username, "wrong-password", null);
            Assert.Equal(HttpStatusCode.OK, failed.StatusCode);
        }

        using var throttled = await PostLoginAsync(NewBrowser(), username, Password, null);

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.NotNull(throttled.Headers.RetryAfter);
    }

    [Fact]
    public async Task HubSubscriptions_RefuseInvalidNames_AndAreBoundedPerConnection()
    {
        await using var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(_app.BaseAddress, "/hubs/live"), o => o.AccessTokenProvider = async () => await _app.TokenAsync("admin", DashboardApp.AdminPassword))
            .Build();
        await connection.StartAsync();

        await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<SavingsSnapshot?>("Subscribe", "../" + new string('x', 500)));
        for (var i = 0; i < LiveHub.MaxSubscriptions; i++)
        {
            await connection.InvokeAsync<SavingsSnapshot?>("Subscribe", $"fleet-{i}");
        }

        await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<SavingsSnapshot?>("Subscribe", "one-too-many"));
        await connection.InvokeAsync("Unsubscribe", "fleet-0");
        await connection.InvokeAsync<SavingsSnapshot?>("Subscribe", "one-more-after-leaving");
    }

    private async Task<string> CreateUserAsync(string role)
    {
        var username = $"cookie-{Guid.NewGuid():n}"[..20];
        using var admin = await _app.CreateAdminClientAsync();
        using var response = await admin.PostAsJsonAsync("/api/v1/admin/users", new { username, password = Password, role });
        response.EnsureSuccessStatusCode();
        return username;
    }

    private HttpClient NewBrowser() => _app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    private async Task<HttpClient> SignInAsync(string username, string returnUrl)
    {
        var browser = NewBrowser();
        using var response = await PostLoginAsync(browser, username, Password, returnUrl);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return browser;
    }

    /// <summary>The login form as a browser posts it: its hidden fields (antiforgery, handler) and the two inputs.</summary>
    private static async Task<HttpResponseMessage> PostLoginAsync(HttpClient browser, string username, string password, string? returnUrl)
    {
        var path = returnUrl is null ? "/login" : "/login?ReturnUrl=" + Uri.EscapeDataString(returnUrl);
        var page = await browser.GetStringAsync(path);
        var fields = HiddenInput().Matches(page).ToDictionary(m => WebUtility.HtmlDecode(m.Groups[1].Value), m => WebUtility.HtmlDecode(m.Groups[2].Value));
        fields["Input.Username"] = username;
        fields["Input.Password"] = password;
        return await browser.PostAsync(path, new FormUrlEncodedContent(fields));
    }

    [GeneratedRegex("""<input type="hidden" name="([^"]+)" value="([^"]*)" */?>""")]
    private static partial Regex HiddenInput();
}
