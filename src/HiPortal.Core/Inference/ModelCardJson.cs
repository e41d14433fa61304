using System.Text.Json;
using System.Text.Json.Serialization;

namespace HiPortal.Core.Inference;

/// <summary>Source-generated JSON for model cards: camelCase, strict numbers, indented when written.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, NumberHandling = JsonNumberHandling.Strict, WriteIndented = true)]
[JsonSerializable(typeof(ModelCard))]
internal sealed partial class ModelCardJson : JsonSerializerContext;
