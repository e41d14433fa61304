using System.ComponentModel.DataAnnotations;
using HiPortal.Core.Inference;
using HiPortal.Server.Inference;

namespace HiPortal.Server.Models;

/// <summary>The model repository: where versions live, the pair a fleet starts with, and upload limits.</summary>
public sealed class ModelsOptions : IValidatableObject
{
    public const string Section = "Models";

    /// <summary>The repository root ({name}/{version}/model.onnx + card.json); empty = models/ in the data directory.</summary>
    public string? Repository { get; set; }

    [Required]
    public string DefaultTiny { get; set; } = "fashion-tiny@1.0.0";

    [Required]
    public string DefaultLarge { get; set; } = "fashion-large@1.0.0";

    [Range(1024, 2L * 1024 * 1024 * 1024)]
    public long MaxUploadBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Per-model batching (<c>Models:Batching:{name}</c>); a model not named here uses the global <c>Batching</c>.</summary>
    public Dictionary<string, BatchingOptions> Batching { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (key, value) in new[] { (nameof(DefaultTiny), DefaultTiny), (nameof(DefaultLarge), DefaultLarge) })
        {
            if (!ModelReference.TryParse(value, out var reference) || reference.Version is null)
            {
                yield return new ValidationResult($"{Section}:{key} must be name@version, got '{value}'", [key]);
            }
        }

        foreach (var (name, batching) in Batching)
        {
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(batching, new ValidationContext(batching), results, validateAllProperties: true))
            {
                foreach (var r in results)
                {
                    yield return new ValidationResult($"{Section}:Batching:{name}: {r.ErrorMessage}", [$"Batching:{name}"]);
                }
            }
        }
    }

    /// <summary>The repository root for a host whose database lives in <paramref name="dataDirectory"/>.</summary>
    public string Root(string dataDirectory) =>
        string.IsNullOrEmpty(Repository) ? Path.Combine(dataDirectory, "models") : Path.GetFullPath(Repository, dataDirectory);
}
