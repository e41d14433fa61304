using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace HiPortal.Core.Inference;

/// <summary>The JSON card models/train.py writes beside each ONNX file.</summary>
public sealed record ModelCard(
    string Name,
    string Version,
    string File,
    string Sha256,
    long Parameters,
    long FlopsPerSample,
    IReadOnlyList<string> ClassNames,
    IReadOnlyDictionary<string, double> Accuracy,
    int Seed,
    int Epochs,
    string TrainedOn,
    string TrainingCommand)
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };

    /// <summary>Where models live beside the running program (copied from the repo's models/ at build).</summary>
    public static string DefaultDirectory => System.IO.Path.Combine(AppContext.BaseDirectory, "models");

    public static ModelCard Load(string cardPath)
    {
        if (!System.IO.File.Exists(cardPath))
        {
            throw new FileNotFoundException($"model card not found: {cardPath}", cardPath);
        }

        try
        {
            return JsonSerializer.Deserialize<ModelCard>(System.IO.File.ReadAllText(cardPath), s_json)
                ?? throw new InvalidDataException($"{cardPath}: empty model card");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{cardPath}: not a valid model card ({ex.Message})", ex);
        }
    }

    /// <summary>Loads the card <c>{name}.card.json</c> in <paramref name="directory"/>.</summary>
    public static ModelCard LoadNamed(string name, string? directory = null) =>
        Load(System.IO.Path.Combine(directory ?? DefaultDirectory, $"{name}.card.json"));

    public string OnnxPath(string? directory = null) => System.IO.Path.Combine(directory ?? DefaultDirectory, File);

    public static string ComputeSha256(string path)
    {
        using var stream = System.IO.File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
