using HiPortal.Core.Inference;

namespace HiPortal.Cli.Tests;

/// <summary>Every model committed under models/ is one the platform accepts: its card parses, its hash and graph match.</summary>
public sealed class CommittedModelsTests
{
    public static TheoryData<string> Committed()
    {
        var data = new TheoryData<string>();
        foreach (var (name, version, _) in ModelLayout.Enumerate(RepoPaths.Models))
        {
            data.Add($"{name}@{version}");
        }

        return data;
    }

    [Fact]
    public void TheRepository_HoldsBothApplicationsPairs()
    {
        var names = ModelLayout.Enumerate(RepoPaths.Models).Select(m => m.Name).ToHashSet();

        Assert.Superset(new HashSet<string> { "fashion-tiny", "fashion-large", "vibration-tiny", "vibration-large" }, names);
    }

    [Theory]
    [MemberData(nameof(Committed))]
    public void CommittedModel_LoadsWithItsCard_AndRunsABatch(string reference)
    {
        var (name, version) = (reference.Split('@')[0], reference.Split('@')[1]);
        var directory = ModelLayout.VersionDirectory(RepoPaths.Models, name, version);
        var card = ModelCard.Load(ModelLayout.CardPath(directory));

        Assert.Equal((name, version), (card.Name, card.Version));
        Assert.Equal(card.Sha256, ModelCard.ComputeSha256(ModelLayout.OnnxPath(directory)));
        using var classifier = OnnxClassifier.Load(ModelLayout.OnnxPath(directory), card);
        var signature = classifier.Signature;
        var scores = new float[(3 * signature.ClassCount) + 1];
        scores[^1] = float.NaN;

        classifier.Run(new float[3 * signature.SampleLength], 3, scores);

        Assert.All(scores[..^1], s => Assert.True(float.IsFinite(s)));
        Assert.True(float.IsNaN(scores[^1]), "the run wrote past its batch");
    }

    [Fact]
    public void ThePairs_AreConsistent_AndTheVibrationDataIsSaidToBeSimulated()
    {
        foreach (var app in new[] { "fashion", "vibration" })
        {
            var tiny = ModelSignature.Create(ModelCard.LoadNamed($"{app}-tiny", RepoPaths.Models));
            var large = ModelSignature.Create(ModelCard.LoadNamed($"{app}-large", RepoPaths.Models));
            Assert.Null(ModelSignature.PairMismatch(tiny, large));
            Assert.InRange(tiny.Card.Parameters, 1, 50_000);
        }

        var vibration = ModelCard.LoadNamed("vibration-large", RepoPaths.Models);
        Assert.True(vibration.Simulated);
        Assert.Equal("INT16", vibration.Input.Datatype);
        Assert.Equal(["healthy", "inner-race", "outer-race", "ball"], vibration.ClassNames);
    }
}
