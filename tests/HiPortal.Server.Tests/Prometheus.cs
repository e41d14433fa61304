using System.Globalization;

namespace HiPortal.Server.Tests;

/// <summary>Reads values out of the server's /metrics page (Prometheus text format).</summary>
public static class Prometheus
{
    public static async Task<string> ScrapeAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/metrics");
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>
    /// The sum of every series of <paramref name="metric"/> whose labels contain all of <paramref name="labels"/>
    /// (e.g. <c>reason="deadline"</c>); null when the page has no such series.
    /// </summary>
    public static double? Sum(string page, string metric, params string[] labels)
    {
        double? sum = null;
        foreach (var line in page.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(metric, StringComparison.Ordinal) || line.Length == metric.Length ||
                line[metric.Length] is not ('{' or ' '))
            {
                continue;
            }

            var labelEnd = line.LastIndexOf('}');
            var labelText = labelEnd < 0 ? "" : line[metric.Length..(labelEnd + 1)];
            if (!labels.All(l => labelText.Contains(l, StringComparison.Ordinal)))
            {
                continue;
            }

            // "name{labels} value [timestamp]"
            var fields = line[(labelEnd + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            sum = (sum ?? 0) + double.Parse(fields[0], CultureInfo.InvariantCulture);
        }

        return sum;
    }

    /// <summary>
    /// Scrapes until <paramref name="condition"/> holds on the page (the exporter caches a page briefly, and gauges
    /// change as the server works), for at most 30 s; returns that page.
    /// </summary>
    public static async Task<string> WaitForAsync(HttpClient client, Func<string, bool> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var page = await ScrapeAsync(client);
            if (condition(page))
            {
                return page;
            }

            Assert.True(DateTime.UtcNow < until, "the metrics page never showed the expected values:\n" + page);
            await Task.Delay(50);
        }
    }
}
