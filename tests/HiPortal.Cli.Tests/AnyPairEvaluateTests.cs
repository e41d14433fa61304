using System.Text.Json;

namespace HiPortal.Cli.Tests;

/// <summary><c>hiportal evaluate</c> on a generated INT16 pair and .npz/.npy data: no code knows its shape.</summary>
[Collection(RealModelsCollection.Name)]
public sealed class AnyPairEvaluateTests(GeneratedPair pair) : IClassFixture<GeneratedPair>
{
    private string[] Evaluate(string output, params string[] more) =>
        ["evaluate", "--models", pair.Repository, "--tiny", "sensor-tiny", "--large", "sensor-large@2.0.0", "--out", output, .. more];

    [Fact]
    public void Evaluate_GeneratedInt16Pair_OnNpz_WritesTheTableSizedFromTheCard()
    {
        var output = pair.Out("npz");

        var (code, text) = HiportalProcess.Run(Evaluate(output, "--data", pair.TestNpz, "--calibration", pair.CalibrationNpz));

        Assert.True(code == 0, text);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "evaluation.json")));
        var report = json.RootElement.GetProperty("report");
        Assert.Equal((GeneratedPair.CalibrationCount, GeneratedPair.TestCount),
            (report.GetProperty("calibrationCount").GetInt32(), report.GetProperty("testCount").GetInt32()));
        // Labels are the large model's answers on 9 samples in 10.
        Assert.Equal(0.9, report.GetProperty("largeAccuracy").GetDouble(), 2);
        Assert.Equal(7, report.GetProperty("points").GetArrayLength());
        // One offload costs one INT16 sample of 64 elements, as the tiny card says.
        Assert.Equal(GeneratedPair.Length * 2, report.GetProperty("settings").GetProperty("sampleBytes").GetInt32());
        Assert.Contains("sensor-tiny 1.0.0", text);
        Assert.True(File.Exists(Path.Combine(output, "tradeoff.png")) || Directory.EnumerateFiles(output, "*.png").Any());
    }

    [Fact]
    public void Evaluate_NpyTestSamplesWithLabelsFile_GivesTheSameAccuraciesAsTheNpz()
    {
        var (npzCode, npzText) = HiportalProcess.Run(Evaluate(pair.Out("a"), "--data", pair.TestNpz, "--calibration", pair.CalibrationNpz));
        var (npyCode, npyText) = HiportalProcess.Run(Evaluate(pair.Out("b"), "--data", pair.TestSamplesNpy, "--labels", pair.TestLabelsNpy,
            "--calibration", pair.CalibrationNpz));

        Assert.True(npzCode == 0 && npyCode == 0, npzText + npyText);
        double Tiny(string dir) => JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "evaluation.json"))).RootElement
            .GetProperty("report").GetProperty("tinyAccuracy").GetDouble();
        Assert.Equal(Tiny(pair.Out("a")), Tiny(pair.Out("b")));
    }

    [Theory]
    [InlineData("other", "sensor-tiny@1.0.0 and other@1.0.0 are not a pair: tiny and large have different class names")]
    [InlineData("short-large", "calibration data: a sample has 64 elements; short-tiny@1.0.0 takes 32 ([1,32])")]
    public void Evaluate_PairThatCannotRunTheData_IsRefusedBeforeInferenceSayingWhy(string large, string expected)
    {
        var tiny = large == "short-large" ? "short-tiny" : "sensor-tiny";
        var (code, text) = HiportalProcess.Run("evaluate", "--models", pair.Repository, "--tiny", tiny, "--large", large,
            "--data", pair.TestNpz, "--calibration", pair.CalibrationNpz, "--out", pair.Out(large));

        Assert.Equal(2, code);
        Assert.Contains(expected, text);
    }

    [Fact]
    public void Evaluate_DataFileWithoutCalibration_AndUnknownVersion_AreRefused()
    {
        var (noCalibration, text) = HiportalProcess.Run(Evaluate(pair.Out("nocal"), "--data", pair.TestNpz));
        var (unknown, unknownText) = HiportalProcess.Run("evaluate", "--models", pair.Repository, "--tiny", "sensor-tiny@9.9.9",
            "--large", "sensor-large", "--data", pair.TestNpz, "--calibration", pair.CalibrationNpz, "--out", pair.Out("unknown"));

        Assert.Equal((2, 2), (noCalibration, unknown));
        Assert.Contains("--calibration FILE is required when --data is a file", text);
        Assert.Contains("no model sensor-tiny@9.9.9 in", unknownText);
    }
}
