using HiPortal.Core.Data;

namespace HiPortal.Cli.Tests;

[Collection(RealModelsCollection.Name)]
public class ModelAccuracyTests(RealModelsFixture models)
{
    // The card rounds to 4 decimals (±0.00005); the rest allows a few of 10,000 near-tie argmaxes to flip
    // between PyTorch and ONNX Runtime kernels.
    private const double CardTolerance = 0.0005;

    // Enough images to exercise batch 1 on both models without doubling the suite's run time.
    private const int BatchOneImages = 1000;

    [Theory]
    [InlineData("fashion-tiny", FashionMnistSplit.Test, "test")]
    [InlineData("fashion-large", FashionMnistSplit.Test, "test")]
    [InlineData("fashion-tiny", FashionMnistSplit.Calibration, "calibration")]
    [InlineData("fashion-large", FashionMnistSplit.Calibration, "calibration")]
    public void OnnxModelInCSharp_ReproducesTheCardsPyTorchAccuracy(string model, FashionMnistSplit split, string cardKey)
    {
        var predictions = RealModelsFixture.ArgMax(models.Logits(model, split));

        var accuracy = RealModelsFixture.Accuracy(predictions, models.Images(split).Labels);

        Assert.InRange(accuracy, models.Card(model).Accuracy[cardKey] - CardTolerance, models.Card(model).Accuracy[cardKey] + CardTolerance);
    }

    [Fact]
    public void DataReader_GivesTheSplitSizesTrainPyUsed()
    {
        // models/train.py: calibration = training images 55,000..59,999; test = the 10,000-image t10k file.
        Assert.Equal(5_000, models.Calibration.Count);
        Assert.Equal(10_000, models.Test.Count);
    }

    [Fact]
    public void DataReader_GivesTheBalancedTestSet()
    {
        // Fashion-MNIST's test set has exactly 1,000 images of each class.
        var perClass = new int[FashionMnist.ClassNames.Count];
        foreach (var label in models.Test.Labels)
        {
            perClass[label]++;
        }

        Assert.All(perClass, n => Assert.Equal(1_000, n));
    }

    [Theory]
    [InlineData("fashion-tiny")]
    [InlineData("fashion-large")]
    public void BatchOneAndBatch64Runs_GiveTheSameArgmax(string model)
    {
        var batch64 = models.Logits(model, FashionMnistSplit.Test).AsSpan(0, BatchOneImages * FashionMnist.ClassNames.Count);

        var batch1 = models.Classifier(model).RunAll(RealModelsFixture.ToModelInput(models.Test, BatchOneImages), batchSize: 1);

        Assert.Equal(RealModelsFixture.ArgMax(batch64), RealModelsFixture.ArgMax(batch1));
        for (var i = 0; i < batch1.Length; i++)
        {
            Assert.Equal(batch64[i], batch1[i], 1e-3f);
        }
    }
}
