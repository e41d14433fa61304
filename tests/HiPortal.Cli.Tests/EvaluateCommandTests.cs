using System.Text.Json;
using HiPortal.Core.Data;
using HiPortal.Core.Savings;

namespace HiPortal.Cli.Tests;

/// <summary><c>hiportal evaluate --samples 2000 --online</c>, run once for the tests that read its output.</summary>
public sealed class EvaluateRun : IDisposable
{
    public const int Samples = 2000;

    public EvaluateRun() =>
        (ExitCode, Output) = HiportalProcess.Run("evaluate", "--samples", $"{Samples}", "--out", Directory.FullName, "--online");

    public DirectoryInfo Directory { get; } = System.IO.Directory.CreateTempSubdirectory("hiportal-evaluate-");

    public int ExitCode { get; }

    public string Output { get; }

    public string File(string name) => Path.Combine(Directory.FullName, name);

    public void Dispose() => Directory.Delete(recursive: true);
}

[Collection(RealModelsCollection.Name)]
public sealed class EvaluateCommandTests(RealModelsFixture models, EvaluateRun run) : IClassFixture<EvaluateRun>, IDisposable
{
    private static readonly byte[] s_pngMagic = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private readonly DirectoryInfo _failureOut = Directory.CreateTempSubdirectory("hiportal-evaluate-failure-");

    [Fact]
    public void Evaluate_On2000TestImagesWithOnline_ExitsZeroAndWritesSevenPoints()
    {
        Assert.True(run.ExitCode == 0, run.Output);
        using var json = JsonDocument.Parse(File.ReadAllText(run.File("evaluation.json")));
        var report = json.RootElement.GetProperty("report");
        var points = report.GetProperty("points").EnumerateArray().ToArray();

        Assert.Equal(EvaluateRun.Samples, report.GetProperty("testCount").GetInt32());
        Assert.Equal(models.Calibration.Count, report.GetProperty("calibrationCount").GetInt32());
        Assert.Equal(7, points.Length);
        Assert.All(points, p => Assert.InRange(p.GetProperty("accuracy").GetDouble(), double.Epsilon, 1 - 1e-12));
        Assert.All(points, p => Assert.InRange(p.GetProperty("offloadFraction").GetDouble(), 0, 1));
        Assert.Equal(EvaluateRun.Samples, json.RootElement.GetProperty("online").GetProperty("rounds").GetInt32());
    }

    [Fact]
    public void Evaluate_ReportsTheModelsAccuraciesOnTheFirstTestImages()
    {
        var logits = EvaluateRun.Samples * FashionMnist.ClassNames.Count;
        var tiny = RealModelsFixture.Accuracy(RealModelsFixture.ArgMax(models.TinyTestLogits.AsSpan(0, logits)), models.Test.Labels);
        var large = RealModelsFixture.Accuracy(RealModelsFixture.ArgMax(models.LargeTestLogits.AsSpan(0, logits)), models.Test.Labels);

        Assert.True(run.ExitCode == 0, run.Output);
        using var json = JsonDocument.Parse(File.ReadAllText(run.File("evaluation.json")));
        var report = json.RootElement.GetProperty("report");

        Assert.Equal(tiny, report.GetProperty("tinyAccuracy").GetDouble(), 12);
        Assert.Equal(large, report.GetProperty("largeAccuracy").GetDouble(), 12);
    }

    [Theory]
    [InlineData("evaluation")]
    [InlineData("online-regret")]
    [InlineData("online-cost")]
    public void Evaluate_WritesEachPlotAsPngAndSvg(string plot)
    {
        Assert.True(run.ExitCode == 0, run.Output);
        var png = File.ReadAllBytes(run.File(plot + ".png"));
        var svg = File.ReadAllText(run.File(plot + ".svg"));

        Assert.Equal(s_pngMagic, png.Take(s_pngMagic.Length));
        Assert.True(png.Length > 1000, $"{plot}.png has only {png.Length} bytes");
        Assert.Contains("<svg", svg, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_WithMissingDataDirectory_FailsNamingTheMissingFile()
    {
        var (exitCode, output) = HiportalProcess.Run("evaluate", "--data", "/nonexistent", "--out", _failureOut.FullName);

        Assert.NotEqual(0, exitCode);
        Assert.Matches(@"/nonexistent/(train|t10k)-images-idx3-ubyte\.gz", output);
        Assert.False(File.Exists(Path.Combine(_failureOut.FullName, "evaluation.json")));
    }

    [Fact]
    public void Evaluate_WithUnknownProfile_FailsListingTheKnownProfiles()
    {
        var (exitCode, output) = HiportalProcess.Run("evaluate", "--profile", "nope", "--out", _failureOut.FullName);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("'nope'", output, StringComparison.Ordinal);
        Assert.All(DeviceProfiles.All, p => Assert.Contains(p.Name, output, StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(_failureOut.FullName, "evaluation.json")));
    }

    public void Dispose() => _failureOut.Delete(recursive: true);
}
