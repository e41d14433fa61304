using System.Net;
using System.Text.RegularExpressions;
using HiPortal.Server.OpenApi;

namespace HiPortal.Server.Tests;

/// <summary>
/// The README's route table and the OpenAPI document say the same routes: every API route in the table is in the
/// document, and every operation in the document is in the table. The table abbreviates: <c>GET/POST</c> is two
/// methods, <c>…/x</c> a suffix of a longer path, <c>[/x]</c> an optional tail, and a literal such as <c>large</c> may
/// stand for a parameter (<c>{name}</c>); an entry without a method takes the one before it.
/// </summary>
public sealed partial class ReadmeRoutesTests(HostFixture server) : IClassFixture<HostFixture>
{
    [Fact]
    public async Task ReadmeRouteTable_AndTheDocument_ListTheSameRoutes()
    {
        using var anonymous = server.App.CreateAnonymousClient();
        using var response = await anonymous.GetAsync(ApiDocs.DocumentPath);
        var document = await response.JsonAsync(HttpStatusCode.OK);
        var operations = document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(m => (Method: m.Name.ToUpperInvariant(), Path: Segments(p.Name))))
            .ToList();
        var readme = ReadmeRoutes().Where(r => ApiDocs.IsDescribed(r.Path.StartsWith('…') ? "/api" : r.Path)).ToList();
        Assert.True(readme.Count > 20, $"the README table was not found or not parsed: {readme.Count} routes");

        var notInDocument = readme.Where(r => !operations.Any(o => o.Method == r.Method && Matches(r.Path, o.Path)))
            .Select(r => $"{r.Method} {r.Path}").ToList();
        var notInReadme = operations.Where(o => !readme.Any(r => r.Method == o.Method && Matches(r.Path, o.Path)))
            .Select(o => $"{o.Method} /{string.Join('/', o.Path)}").ToList();

        Assert.True(notInDocument.Count == 0, "in the README table but not in the document: " + string.Join(", ", notInDocument));
        Assert.True(notInReadme.Count == 0, "in the document but not in the README table: " + string.Join(", ", notInReadme));
    }

    /// <summary>Every (method, path) the README's Server API table names.</summary>
    private static IEnumerable<(string Method, string Path)> ReadmeRoutes()
    {
        var text = File.ReadAllText(Path.Combine(RepoRoot(), "README.md"));
        var section = text[text.IndexOf("## Server API", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n\n", section.IndexOf("| route |", StringComparison.Ordinal), StringComparison.Ordinal)];
        foreach (var row in section.Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal)))
        {
            var cell = row.Split(" | ")[0];
            var method = "GET";
            foreach (Match span in CodeSpan().Matches(cell))
            {
                var entry = span.Groups[1].Value.Replace("\\|", "|", StringComparison.Ordinal);
                var parts = entry.Split(' ', 2);
                var path = parts.Length == 2 ? parts[1] : parts[0];
                if (parts.Length == 2)
                {
                    method = parts[0];
                }

                path = path.Split('?')[0];
                var optional = OptionalTail().Match(path);
                var paths = optional.Success ? [path.Replace(optional.Value, "", StringComparison.Ordinal), path.Replace(optional.Value, optional.Groups[1].Value, StringComparison.Ordinal)] : new[] { path };
                foreach (var m in method.Split('/'))
                {
                    foreach (var p in paths)
                    {
                        yield return (m, p);
                    }
                }
            }
        }
    }

    private static bool Matches(string readmePath, string[] documentPath)
    {
        var suffix = readmePath.StartsWith('…');
        var segments = Segments(readmePath.TrimStart('…'));
        if (suffix ? segments.Length > documentPath.Length : segments.Length != documentPath.Length)
        {
            return false;
        }

        var tail = documentPath[^segments.Length..];
        return segments.Zip(tail).All(s => s.First == s.Second || IsParameter(s.Second) && (IsParameter(s.First) || !suffix));
    }

    private static bool IsParameter(string segment) => segment.StartsWith('{');

    private static string[] Segments(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries);

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HiPortal.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"HiPortal.sln not found above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"\[(/[^\]]+)\]")]
    private static partial Regex OptionalTail();
}
