using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace HiPortal.Bench;

/// <summary>A subcommand's results as indented JSON under <c>--out</c>, and a line saying where.</summary>
public static class BenchJson
{
    // A run with nothing answered inside its window has no per-sample figures (NaN): written as "NaN", not refused.
    private static readonly JsonSerializerOptions s_options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static async Task WriteAsync<T>(string directory, string file, T value)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, file);
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(value, s_options));
        AnsiConsole.MarkupLineInterpolated($"wrote {path}");
    }
}
