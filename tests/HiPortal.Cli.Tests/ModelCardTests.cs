using System.Security.Cryptography;
using System.Text.Json;
using HiPortal.Core.Data;
using HiPortal.Core.Inference;
using Microsoft.ML.OnnxRuntime;

namespace HiPortal.Cli.Tests;

public class ModelCardTests
{
    // As published with the dataset: github.com/zalandoresearch/fashion-mnist, README, "Labels" (0..9).
    private static readonly string[] s_publishedClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    private static ModelCard CommittedCard(string model) => ModelCard.LoadNamed(model, RepoPaths.Models);

    [Theory]
    [InlineData("fashion-tiny")]
    [InlineData("fashion-large")]
    public void CommittedOnnxFile_HashesToTheSha256OnItsCard(string model)
    {
        var card = CommittedCard(model);
        var path = card.OnnxPath(RepoPaths.Models);

        var sha256 = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

        Assert.Equal(card.Sha256, sha256);
        Assert.Equal(sha256, ModelCard.ComputeSha256(path));
    }

    [Theory]
    [InlineData("fashion-tiny")]
    [InlineData("fashion-large")]
    public void ModelBesideTheBinaries_IsTheCommittedFileAndCard(string model)
    {
        var card = CommittedCard(model);

        Assert.Equal(
            File.ReadAllBytes(card.OnnxPath(RepoPaths.Models)),
            File.ReadAllBytes(ModelCard.LoadNamed(model).OnnxPath()));
        Assert.Equal(
            File.ReadAllBytes(ModelLayout.CardPath(ModelLayout.NewestVersionDirectory(RepoPaths.Models, model))),
            File.ReadAllBytes(ModelLayout.CardPath(ModelLayout.NewestVersionDirectory(ModelCard.DefaultDirectory, model))));
    }

    [Fact]
    public void TinyCard_FitsTheMicrocontrollerBudget()
    {
        var tiny = CommittedCard("fashion-tiny");

        Assert.InRange(tiny.Parameters, 1, 50_000);
        Assert.InRange(tiny.FlopsPerSample, 1, 5_000_000);
    }

    [Fact]
    public void TinyOnnxFile_IsNoLargerThan50kFloat32WeightsNeed()
    {
        // Independent of the card's own count: 50,000 float32 parameters take 200,000 bytes of flash.
        var tiny = CommittedCard("fashion-tiny");

        Assert.InRange(new FileInfo(tiny.OnnxPath(RepoPaths.Models)).Length, 1, 50_000 * sizeof(float));
    }

    [Fact]
    public void LargeCard_CostsAtLeast20TimesTinysFlopsPerSample()
    {
        Assert.True(CommittedCard("fashion-large").FlopsPerSample >= 20 * CommittedCard("fashion-tiny").FlopsPerSample);
    }

    [Theory]
    [InlineData("fashion-tiny")]
    [InlineData("fashion-large")]
    public void OnnxGraph_TakesInputNx1x28x28AndGivesLogitsNx10_WithDynamicBatchAxis(string model)
    {
        using var session = new InferenceSession(CommittedCard(model).OnnxPath(RepoPaths.Models));

        var (inputName, input) = Assert.Single(session.InputMetadata);
        Assert.Equal("input", inputName);
        Assert.Equal(typeof(float), input.ElementType);
        Assert.Equal([-1, 1, 28, 28], input.Dimensions);
        Assert.False(string.IsNullOrEmpty(input.SymbolicDimensions[0]));

        var (outputName, output) = Assert.Single(session.OutputMetadata);
        Assert.Equal("logits", outputName);
        Assert.Equal(typeof(float), output.ElementType);
        Assert.Equal([-1, 10], output.Dimensions);
        Assert.False(string.IsNullOrEmpty(output.SymbolicDimensions[0]));
    }

    [Theory]
    [InlineData("fashion-tiny", 1)]
    [InlineData("fashion-tiny", 3)]
    [InlineData("fashion-large", 1)]
    [InlineData("fashion-large", 3)]
    public void OnnxGraph_RunsBatchesOfOneAndThree(string model, int batch)
    {
        using var classifier = OnnxClassifier.Load(CommittedCard(model).OnnxPath(RepoPaths.Models));
        var logits = new float[(batch * FashionMnist.ClassNames.Count) + 1];
        logits.AsSpan().Fill(float.NaN);

        classifier.Run(new float[batch * FashionMnist.PixelsPerImage], batch, logits);

        Assert.All(logits[..^1], l => Assert.True(float.IsFinite(l)));
        Assert.True(float.IsNaN(logits[^1]), "the run wrote past its batch");
    }

    [Theory]
    [InlineData("fashion-tiny")]
    [InlineData("fashion-large")]
    public void CardJson_DescribesTheGraphsInputAndOutput(string model)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(ModelLayout.CardPath(ModelLayout.NewestVersionDirectory(RepoPaths.Models, model))));
        var input = json.RootElement.GetProperty("input");
        var output = json.RootElement.GetProperty("output");

        Assert.Equal("input", input.GetProperty("name").GetString());
        Assert.Equal("UINT8", input.GetProperty("datatype").GetString());
        Assert.Equal([-1, 1, 28, 28], input.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
        Assert.Equal(1.0 / 255, input.GetProperty("preprocessing").GetProperty("scale").GetDouble());
        Assert.Equal("logits", output.GetProperty("name").GetString());
        Assert.Equal("logits", output.GetProperty("scores").GetString());
        Assert.Equal([-1, 10], output.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
    }

    [Theory]
    [InlineData("fashion-tiny")]
    [InlineData("fashion-large")]
    public void Card_ListsTheTenFashionMnistClassNamesInLabelOrder(string model)
    {
        Assert.Equal(s_publishedClassNames, CommittedCard(model).ClassNames);
    }

    [Fact]
    public void DataReader_UsesThePublishedClassNames()
    {
        Assert.Equal(s_publishedClassNames, FashionMnist.ClassNames);
    }
}
