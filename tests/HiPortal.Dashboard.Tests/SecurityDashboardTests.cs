using System.Net;
using System.Text.RegularExpressions;
using HiPortal.Server.Live;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace HiPortal.Dashboard.Tests;

/// <summary>
/// Issue 14, findings 4, 6, 11 and 13 through the dashboard: the sign-in cookie is re-checked on every request (a
/// demotion or a disable applies at once), the login form is throttled like the token endpoint, a non-ASCII
/// ReturnUrl signs in, and hub group names are bounded.
/// </summary>
public sealed partial class SecurityDashboardTests(DashboardFixture fixture) : IClassFixture<DashboardFixture>
{
    private const string Password = HiPortalHost.UserPassword;
    private readonly HiPortalHost _app = fixture.App;

    [Fact]
    public async Task DemotedAdmin_LosesTheThresholdsPage_AtOnce_AndADisabledOne_IsSignedOut()
    {
        var username = await CreateUserAsync("Admin");
        using var browser = await SignedInBrowserAsync(username);

        using (var before = await browser.GetAsync("/thresholds"))
        {
            Assert.True(before.StatusCode == HttpStatusCode.OK, $"before: {(int)before.StatusCode} {before.Headers.Location}");
            var admins = await before.Content.ReadAsStringAsync();
            Assert.Contains("signed-in-as", admins, StringComparison.Ordinal);
            Assert.DoesNotContain("This page is for admins.", admins, StringComparison.Ordinal);
        }

        using var admin = await _app.CreateAdminAsync();
        await admin.SetRoleAsync(username, "Operator");

        using (var demoted = await browser.GetAsync("/thresholds"))
        {
            // Refused either by the endpoint (to /access-denied) or by the router's NotAuthorized notice: not rendered.
            var refused = demoted.StatusCode == HttpStatusCode.Redirect
                ? LocalTarget(demoted.Headers.Location!).StartsWith("/access-denied", StringComparison.Ordinal)
                : (await demoted.Content.ReadAsStringAsync()).Contains("This page is for admins.", StringComparison.Ordinal);
            Assert.True(refused, $"a demoted admin was served /thresholds: {(int)demoted.StatusCode}");
        }

        await admin.SetDisabledAsync(username, true);

        // Signed out: no signed-in user in the page (the router sends an anonymous visitor on to /login).
        using var disabled = await browser.GetAsync("/devices");
        var page = await disabled.Content.ReadAsStringAsync();
        Assert.DoesNotContain("signed-in-as", page, StringComparison.Ordinal);
        Assert.DoesNotContain(username, page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIn_WithANonAsciiLocalReturnUrl_SignsIn_InsteadOf500()
    {
        var username = await CreateUserAsync("Operator");

        using var form = await PostLoginAsync(NewBrowser(), username, Password, "/devices?fleet=über");

        // A 302 (plain form) or a 200 telling Blazor where to go: either way signed in, and the target is encoded.
        Assert.True(form.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.OK, $"{(int)form.StatusCode}");
        Assert.DoesNotContain("login-error", await form.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        if (form.Headers.Location is { } location)
        {
            Assert.Equal("/devices?fleet=%C3%BCber", LocalTarget(location));
        }
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
    public async Task SignOut_NeedsTheAntiforgeryTokenOfTheSignedInPage()
    {
        var username = await CreateUserAsync("Operator");
        using var browser = await SignedInBrowserAsync(username);

        // What another site's form could send: the cookie (were it not SameSite=Strict) and no token.
        using (var forged = await browser.PostAsync("/account/logout", new FormUrlEncodedContent([])))
        {
            await ResponseAssertions.AssertProblemAsync(forged, HttpStatusCode.BadRequest, "__RequestVerificationToken");
        }

        var page = await browser.GetStringAsync("/devices");
        Assert.Contains("signed-in-as", page, StringComparison.Ordinal);
        var token = HiddenInput().Matches(page).Single(m => m.Groups[1].Value == "__RequestVerificationToken").Groups[2].Value;

        using var signOut = await browser.PostAsync("/account/logout",
            new FormUrlEncodedContent([new("__RequestVerificationToken", WebUtility.HtmlDecode(token))]));

        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.Equal("/login", LocalTarget(signOut.Headers.Location!));
        using var after = await browser.GetAsync("/devices");
        Assert.DoesNotContain("signed-in-as", await after.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/login")]
    [InlineData("/account/logout")]
    public async Task AFormWithoutItsAntiforgeryToken_Is400NamingTheToken(string path)
    {
        using var browser = NewBrowser();
        await browser.GetStringAsync("/login"); // the antiforgery cookie a browser would hold, without the form's field

        using var response = await browser.PostAsync(path,
            new FormUrlEncodedContent([new("Input.Username", "admin"), new("Input.Password", "x")]));

        await ResponseAssertions.AssertProblemAsync(response, HttpStatusCode.BadRequest, "__RequestVerificationToken");
    }

    [Theory]
    [InlineData("/login")]
    [InlineData("/account/logout")]
    public async Task AFormPastTheReadersLimits_Is400NamingTheForm(string path)
    {
        using var browser = NewBrowser();
        var fields = Enumerable.Range(0, 2_000).Select(i => new KeyValuePair<string, string>($"f{i}", "x"));

        using var response = await browser.PostAsync(path, new FormUrlEncodedContent(fields));

        await ResponseAssertions.AssertProblemAsync(response, HttpStatusCode.BadRequest, "form");
    }

    [Fact]
    public async Task HubSubscriptions_RefuseInvalidNames_AndAreBoundedPerConnection()
    {
        using var admin = await _app.CreateAdminAsync();
        await using var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(_app.HttpAddress, Routes.LiveHub), o => o.AccessTokenProvider = () => Task.FromResult(admin.Bearer))
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
        using var admin = await _app.CreateAdminAsync();
        await admin.CreateUserAsync(username, Password, role);
        return username;
    }

    private HttpClient NewBrowser() => _app.CreateBrowserClient();

    /// <summary>A browser signed in as <paramref name="username"/> through the login form.</summary>
    private async Task<HttpClient> SignedInBrowserAsync(string username)
    {
        var browser = NewBrowser();
        using var signedIn = await PostLoginAsync(browser, username, Password, null);
        Assert.DoesNotContain("login-error", await signedIn.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        return browser;
    }

    /// <summary>
    /// A redirect's target on this server as path and query. Real Kestrel answers the cookie handler's redirects with an
    /// absolute URI (scheme and host of the request), the form's own as a path: both must stay on this server.
    /// </summary>
    private string LocalTarget(Uri location)
    {
        if (!location.IsAbsoluteUri)
        {
            return location.OriginalString;
        }

        Assert.Equal(_app.HttpAddress.GetLeftPart(UriPartial.Authority), location.GetLeftPart(UriPartial.Authority));
        return location.PathAndQuery;
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
