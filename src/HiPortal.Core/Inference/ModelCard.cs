using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace HiPortal.Core.Inference;

/// <summary>
/// What a model is, as its <c>card.json</c> says (the format is in models/README.md): its task, the sample a device
/// sends and how it becomes the graph's input, the output and its classes, and what is known of its data and accuracy.
/// <see cref="Validate"/> checks the card on its own; <see cref="ModelSignature.Create"/> cross-checks it with the graph.
/// </summary>
public sealed record ModelCard
{
    public const string ClassificationTask = "classification";

    public required string Name { get; init; }

    public required string Version { get; init; }

    public string Task { get; init; } = ClassificationTask;

    /// <summary>Lower-case hex SHA-256 of <c>model.onnx</c>.</summary>
    public required string Sha256 { get; init; }

    public required ModelInputCard Input { get; init; }

    public required ModelOutputCard Output { get; init; }

    public IReadOnlyList<string> ClassNames { get; init; } = [];

    public string? Architecture { get; init; }

    public long Parameters { get; init; }

    public long FlopsPerSample { get; init; }

    public string? Dataset { get; init; }

    /// <summary>True when the training data was generated rather than measured.</summary>
    public bool Simulated { get; init; }

    public IReadOnlyDictionary<string, string>? Splits { get; init; }

    public IReadOnlyDictionary<string, double> Accuracy { get; init; } = new Dictionary<string, double>();

    public int Seed { get; init; }

    public int Epochs { get; init; }

    public string? TrainedOn { get; init; }

    public string? TrainingCommand { get; init; }

    public string? Exporter { get; init; }

    /// <summary><c>name@version</c>, the form fleets and the CLI use.</summary>
    [JsonIgnore]
    public string Reference => $"{Name}@{Version}";

    [JsonIgnore]
    public int ClassCount => ClassNames.Count;

    /// <summary>Parses and validates a card; every refusal is a <see cref="ModelCardException"/> naming the field.</summary>
    public static ModelCard Parse(ReadOnlySpan<byte> json)
    {
        ModelCard? card;
        try
        {
            card = JsonSerializer.Deserialize(json, ModelCardJson.Default.ModelCard);
        }
        catch (JsonException ex)
        {
            var field = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "card" : ex.Path.TrimStart('$', '.');
            throw new ModelCardException(field, $"not a valid model card ({ex.Message})");
        }

        if (card is null)
        {
            throw new ModelCardException("card", "a JSON object is required");
        }

        card.Validate();
        return card;
    }

    public static ModelCard Load(string cardPath)
    {
        if (!System.IO.File.Exists(cardPath))
        {
            throw new FileNotFoundException($"model card not found: {cardPath}", cardPath);
        }

        try
        {
            return Parse(System.IO.File.ReadAllBytes(cardPath));
        }
        catch (ModelCardException ex)
        {
            throw new InvalidDataException($"{cardPath}: {ex.Message}", ex);
        }
    }

    /// <summary>The card of <paramref name="name"/>[@version] (the newest version when none is given) in a repository
    /// directory (default <see cref="ModelLayout.DefaultRoot"/>), resolved as <see cref="ModelLocator"/> resolves it.</summary>
    public static ModelCard LoadNamed(string name, string? directory = null) =>
        Load(ModelLayout.CardPath(ModelLocator.Resolve(name, directory)));

    /// <summary>The card's own ONNX file in a repository directory laid out as {name}/{version}/model.onnx.</summary>
    public string OnnxPath(string? directory = null) =>
        ModelLayout.OnnxPath(ModelLayout.VersionDirectory(directory ?? ModelLayout.DefaultRoot, Name, Version));

    public string ToJson() => JsonSerializer.Serialize(this, ModelCardJson.Default.ModelCard);

    public static string ComputeSha256(string path)
    {
        using var stream = System.IO.File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Checks everything the card can say about itself; the graph is checked by <see cref="ModelSignature"/>.</summary>
    public void Validate()
    {
        ModelLayout.ValidateName(Name, "name");
        ModelLayout.ValidateName(Version, "version");
        Require(Task == ClassificationTask, "task", $"'{Task}' is not supported; expected '{ClassificationTask}'");
        Require(Sha256 is { Length: 64 } && Sha256.All(char.IsAsciiHexDigitLower), "sha256", "must be 64 lower-case hex digits");
        Require(Input is not null, "input", "is required");
        Require(Output is not null, "output", "is required");
        Input!.Validate();
        Output!.Validate();
        var classes = Output.Shape[1];
        // JSON null overrides the empty default, so it is checked, not assumed away.
        Require(ClassNames is not null, "classNames", $"is required: one name for each of the {classes} classes");
        Require(ClassNames!.Count == classes, "classNames", $"has {ClassNames.Count} names; output.shape says {classes} classes");
        Require(ClassNames.All(n => !string.IsNullOrWhiteSpace(n) && n.Length <= 64), "classNames", "names must be 1 to 64 characters");
        Require(ClassNames.Distinct(StringComparer.Ordinal).Count() == ClassNames.Count, "classNames", "names must be distinct");
    }

    internal static void Require(bool condition, string field, string message)
    {
        if (!condition)
        {
            throw new ModelCardException(field, message);
        }
    }
}

/// <summary>One sample as a device sends it, and how it becomes the graph's FP32 input.</summary>
public sealed record ModelInputCard
{
    public required string Name { get; init; }

    /// <summary>The sample's element type on the wire: UINT8, INT8, INT16, FP16 or FP32.</summary>
    public required string Datatype { get; init; }

    /// <summary>The graph input's shape; the first axis is the batch and must be -1 (dynamic).</summary>
    public required IReadOnlyList<long> Shape { get; init; }

    public InputPreprocessing? Preprocessing { get; init; }

    /// <summary>Optional [min, max] of the model's input after preprocessing; FP32 samples of other cards must lie in it.</summary>
    public IReadOnlyList<double>? Range { get; init; }

    internal void Validate()
    {
        ModelCard.Require(!string.IsNullOrWhiteSpace(Name), "input.name", "is required");
        ModelCard.Require(SampleDatatypes.TryParse(Datatype, out _), "input.datatype",
            $"'{Datatype}' is not one of {string.Join(", ", SampleDatatypes.Names)}");
        ModelCard.Require(Shape is { Count: >= 2 }, "input.shape", "needs a batch axis and at least one sample axis");
        ModelCard.Require(Shape![0] == -1, "input.shape", "the first (batch) axis must be -1, dynamic");
        ModelCard.Require(Shape.Skip(1).All(d => d is >= 1 and <= 1 << 20), "input.shape", "sample axes must be 1 to 1048576");
        var length = Shape.Skip(1).Aggregate(1L, (a, d) => a * d);
        ModelCard.Require(length <= 1 << 24, "input.shape", $"a sample of {length} elements is larger than the 16M HiPortal accepts");
        if (Range is not null)
        {
            ModelCard.Require(Range.Count == 2 && double.IsFinite(Range[0]) && double.IsFinite(Range[1]) && Range[0] < Range[1],
                "input.range", "must be [min, max] with min < max");
        }

        Preprocessing?.Validate(Channels);
    }

    /// <summary>Axis 1 of a graph input of rank three or more; one channel otherwise.</summary>
    internal int Channels => Shape.Count >= 3 ? (int)Shape[1] : 1;
}

/// <summary>x = (raw · <see cref="Scale"/> − mean[c]) / std[c], with c the channel (axis 1 of the input).</summary>
public sealed record InputPreprocessing
{
    public double Scale { get; init; } = 1;

    public IReadOnlyList<double>? Mean { get; init; }

    public IReadOnlyList<double>? Std { get; init; }

    internal void Validate(int channels)
    {
        ModelCard.Require(double.IsFinite(Scale) && Scale != 0, "input.preprocessing.scale", "must be a finite, non-zero number");
        if (Mean is not null)
        {
            ModelCard.Require(Mean.Count == 1 || Mean.Count == channels, "input.preprocessing.mean", $"needs 1 or {channels} values (one per channel)");
            ModelCard.Require(Mean.All(double.IsFinite), "input.preprocessing.mean", "values must be finite");
        }

        if (Std is not null)
        {
            ModelCard.Require(Std.Count == 1 || Std.Count == channels, "input.preprocessing.std", $"needs 1 or {channels} values (one per channel)");
            ModelCard.Require(Std.All(s => double.IsFinite(s) && s > 0), "input.preprocessing.std", "values must be finite and positive");
        }
    }
}

/// <summary>The graph's class scores: [N, classes], logits (softmax applied here) or probabilities.</summary>
public sealed record ModelOutputCard
{
    public const string Logits = "logits";
    public const string Probabilities = "probabilities";

    public required string Name { get; init; }

    public required IReadOnlyList<long> Shape { get; init; }

    public string Scores { get; init; } = Logits;

    internal void Validate()
    {
        ModelCard.Require(!string.IsNullOrWhiteSpace(Name), "output.name", "is required");
        ModelCard.Require(Shape is { Count: 2 } && Shape[0] == -1 && Shape[1] is >= 2 and <= 100_000, "output.shape",
            "must be [-1, classes] with 2 to 100000 classes");
        ModelCard.Require(Scores is Logits or Probabilities, "output.scores", $"must be '{Logits}' or '{Probabilities}'");
    }
}
