using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using HiPortal.Client;
using HiPortal.Client.Hosting;
using HiPortal.Contracts;
using HiPortal.Core.Data;
using Microsoft.AspNetCore.SignalR.Client;
using Spectre.Console;

namespace HiPortal.Bench;

public sealed record DashboardReport(int Devices, double OffloadsPerSecondTarget, double OffloadsPerSecondAchieved,
    double[] OverviewRenderMs, double[] DevicesRenderMs, double[] SnapshotLagMs, int Errors);

/// <summary>
/// The dashboard under a realistic fleet: N registered devices, ~R offloads/s from a subset, then (1) how long the
/// overview and devices pages take to render (server prerender, signed in by the real login form) and (2) how long
/// after a burst of decisions is stored a SignalR client receives a snapshot that counts them.
/// </summary>
public static partial class DashboardBenchmark
{
    public static async Task<DashboardReport> RunAsync(int devices, double rate, TimeSpan duration, string dataDirectory)
    {
        var images = FashionMnist.Load(FashionMnistSplit.Test, dataDirectory).Take(1000);
        await using var server = await BenchServer.StartAsync(new Dictionary<string, string>());
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 256 };
        using var client = await BenchServer.SignInAsync(server, handler);

        var clock = Stopwatch.StartNew();
        var active = Math.Min(devices, 100);
        var keys = new string[active];
        await Parallel.ForEachAsync(Enumerable.Range(0, devices), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, cancellationToken) =>
        {
            var key = (await client.RegisterDeviceAsync($"dash-{i:D5}", "default", cancellationToken)).Key;
            if (i < active)
            {
                keys[i] = key;
            }
        });
        AnsiConsole.MarkupLineInterpolated($"registered {devices:N0} devices in {clock.Elapsed.TotalSeconds:0.0} s");

        using var load = new CancellationTokenSource();
        var errors = 0;
        long sent = 0;
        var loadTask = Task.Run(async () =>
        {
            var interval = TimeSpan.FromSeconds(1 / rate);
            var next = Stopwatch.GetTimestamp();
            var i = 0;
            while (!load.IsCancellationRequested)
            {
                var n = i++;
                _ = Task.Run(async () =>
                {
                    using var response = await Post(client, keys[n % active], $"s-{n}", images, n % images.Count);
                    if (response.IsSuccessStatusCode) { Interlocked.Increment(ref sent); } else { Interlocked.Increment(ref errors); }
                });
                next += (long)(interval.TotalSeconds * Stopwatch.Frequency);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }
            }
        });

        await Task.Delay(TimeSpan.FromSeconds(5));
        var loadStarted = Interlocked.Read(ref sent);
        var loadClock = Stopwatch.StartNew();
        AnsiConsole.MarkupLine("under load; signing in through the login form");
        var cookies = await SignInAsync(server.Address);
        AnsiConsole.MarkupLine("signed in; timing page renders");
        var overview = await RenderTimesAsync(server.Address, cookies, "/", 5);
        var devicesPage = await RenderTimesAsync(server.Address, cookies, "/devices", 5);
        AnsiConsole.MarkupLine("timing snapshot lag after bursts");
        var lags = await SnapshotLagsAsync(server, client, images, bursts: 5);
        await Task.Delay(duration - loadClock.Elapsed > TimeSpan.Zero ? duration - loadClock.Elapsed : TimeSpan.Zero);
        var achieved = (Interlocked.Read(ref sent) - loadStarted) / loadClock.Elapsed.TotalSeconds;
        await load.CancelAsync();
        await loadTask;
        return new DashboardReport(devices, rate, achieved, overview, devicesPage, lags, errors);
    }

    private static Task<HttpResponseMessage> Post(HttpClient client, string key, string sampleId, LabelledImages images, int index)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Routes.Offloads)
        {
            Content = JsonContent.Create(OffloadRequests.Image(sampleId, images.Image(index), images.Label(index), 0.5, images.Label(index)),
                ContractsJson.Default.OffloadRequest),
        };
        request.Headers.Authorization = new("Bearer", key);
        return client.SendAsync(request);
    }

    private static async Task<CookieContainer> SignInAsync(Uri address)
    {
        var cookies = new CookieContainer();
        using var handler = new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { BaseAddress = address };
        var page = await client.GetStringAsync("/login");
        var antiforgery = AntiforgeryField().Match(page).Groups[1].Value;
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = antiforgery,
            ["Input.Username"] = "admin",
            ["Input.Password"] = BenchServer.Password,
        });
        using var response = await client.PostAsync("/login", form);
        if (cookies.GetCookies(address)["hiportal"] is null)
        {
            throw new InvalidOperationException($"sign-in failed: {(int)response.StatusCode}");
        }

        return cookies;
    }

    private static async Task<double[]> RenderTimesAsync(Uri address, CookieContainer cookies, string path, int times)
    {
        using var handler = new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { BaseAddress = address };
        var result = new double[times];
        for (var i = 0; i < times; i++)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await client.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            result[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (response.StatusCode != HttpStatusCode.OK || body.Length < 1000)
            {
                throw new InvalidOperationException($"{path}: {(int)response.StatusCode}");
            }
        }

        return result;
    }

    /// <summary>Bursts of 20 stored decisions in a quiet fleet: time from the last stored to the first snapshot counting them.</summary>
    private static async Task<double[]> SnapshotLagsAsync(ServerProcess server, HiPortalClient admin, LabelledImages images, int bursts)
    {
        await admin.CreateFleetAsync("burst");
        var key = (await admin.RegisterDeviceAsync("burst-device", "burst")).Key;
        var token = admin.Bearer;
        AnsiConsole.MarkupLine("burst fleet and device created");
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(server.Address, "/hubs/live"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        long counted = 0;
        var arrived = new SemaphoreSlim(0);
        hub.On<SnapshotView>("snapshot", s =>
        {
            if (s.Fleet == "burst")
            {
                Interlocked.Exchange(ref counted, s.OffloadsReceived);
                arrived.Release();
            }
        });
        await hub.StartAsync().WaitAsync(TimeSpan.FromSeconds(20));
        AnsiConsole.MarkupLine("hub connected");
        await hub.InvokeAsync<object?>("Subscribe", "burst").WaitAsync(TimeSpan.FromSeconds(20));
        AnsiConsole.MarkupLine("subscribed");
        var lags = new double[bursts];
        for (var b = 0; b < bursts; b++)
        {
            var target = (b + 1) * 20;
            await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
            {
                using var response = await Post(admin, key, $"burst-{b}-{i}", images, i);
                response.EnsureSuccessStatusCode();
            }));
            var stored = Stopwatch.GetTimestamp();
            AnsiConsole.MarkupLineInterpolated($"burst {b + 1} stored; waiting for a snapshot counting {target}");

            while (Interlocked.Read(ref counted) < target)
            {
                if (!await arrived.WaitAsync(TimeSpan.FromSeconds(30)))
                {
                    throw new TimeoutException("no snapshot counted the burst within 30 s");
                }
            }

            lags[b] = Stopwatch.GetElapsedTime(stored).TotalMilliseconds;
        }

        return lags;
    }

    private sealed record SnapshotView(string Fleet, long OffloadsReceived);

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
