using System.Net;
using System.Text.RegularExpressions;
using HiPortal.Server.RemoteConfig;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace HiPortal.Server.Tests.ScaleOut;

/// <summary>What the scale-out tests ask of an instance: a parked long-poll signal, a hub connection, a dashboard cookie.</summary>
public static partial class ClusterProbes
{
    /// <summary>Completes when <paramref name="host"/> has parked a long-poll of <paramref name="deviceId"/>; subscribe before polling.</summary>
    public static Task PollParked(HiPortalHost host, string deviceId)
    {
        var notifier = host.Services.GetRequiredService<ConfigNotifier>();
        var parked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnSubscribed(string id)
        {
            if (id == deviceId)
            {
                notifier.Subscribed -= OnSubscribed;
                parked.TrySetResult();
            }
        }

        notifier.Subscribed += OnSubscribed;
        return parked.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public static HubConnection Hub(HiPortalHost host, string token) => new HubConnectionBuilder()
        .WithUrl(new Uri(host.HttpAddress, "/hubs/live"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
        .Build();

    /// <summary>Signs in through <paramref name="host"/>'s login form and returns the Cookie header a browser would send.</summary>
    public static async Task<string> SignInCookieAsync(HiPortalHost host, string username, string password)
    {
        using var browser = host.CreateBrowserClient();
        var page = await browser.GetStringAsync("/login");
        var fields = HiddenInput().Matches(page).ToDictionary(m => WebUtility.HtmlDecode(m.Groups[1].Value), m => WebUtility.HtmlDecode(m.Groups[2].Value));
        fields["Input.Username"] = username;
        fields["Input.Password"] = password;
        using var response = await browser.PostAsync("/login", new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var cookies = response.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).Where(c => c.StartsWith("hiportal", StringComparison.Ordinal));
        return string.Join("; ", cookies);
    }

    /// <summary>GET <paramref name="path"/> from <paramref name="host"/> with only the given cookie, redirects not followed.</summary>
    public static async Task<HttpResponseMessage> GetWithCookieAsync(HiPortalHost host, string cookie, string path)
    {
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = host.HttpAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", cookie);
        return await client.SendAsync(request);
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or the deadline passes (for state with no event to await).</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan within, string what)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not within {within.TotalSeconds:0} s: {what}");
            await Task.Delay(50);
        }
    }

    [GeneratedRegex("""<input type="hidden" name="([^"]+)" value="([^"]*)" */?>""")]
    private static partial Regex HiddenInput();
}
