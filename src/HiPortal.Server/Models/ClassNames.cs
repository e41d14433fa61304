using System.Collections.Concurrent;
using System.Globalization;

namespace HiPortal.Server.Models;

/// <summary>
/// The class names of the model that answered (its card in the repository), read once per version: how the
/// dashboard and the export show a class index. A card without names, or an index past them, shows the index, so
/// nothing assumes one model's class count.
/// </summary>
public sealed class ClassNames(ModelRepository models)
{
    private readonly ConcurrentDictionary<(string Name, string Version), IReadOnlyList<string>> _names = new();

    public IReadOnlyList<string> Of(string model, string version) => _names.GetOrAdd((model, version), key =>
    {
        try
        {
            return models.Exists(key.Name, key.Version) ? models.Card(key.Name, key.Version).ClassNames : [];
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or HiPortal.Core.Inference.ModelCardException)
        {
            return [];
        }
    });

    public string Name(string model, string version, int index) => Name(Of(model, version), index);

    public static string Name(IReadOnlyList<string> names, int index) =>
        index >= 0 && index < names.Count ? names[index] : index.ToString(CultureInfo.InvariantCulture);
}
