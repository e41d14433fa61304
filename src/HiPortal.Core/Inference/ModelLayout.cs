namespace HiPortal.Core.Inference;

/// <summary>
/// The on-disk model repository, laid out as Triton's: <c>{root}/{name}/{version}/model.onnx</c> beside
/// <c>card.json</c>. Names and versions are one path segment each, so nothing can point outside the root.
/// </summary>
public static class ModelLayout
{
    public const string OnnxFileName = "model.onnx";
    public const string CardFileName = "card.json";
    public const int MaxNameLength = 64;

    /// <summary>The committed models, copied beside every program that references the core.</summary>
    public static string DefaultRoot => Path.Combine(AppContext.BaseDirectory, "models");

    public static string VersionDirectory(string root, string name, string version)
    {
        ValidateName(name, "name");
        ValidateName(version, "version");
        return Path.Combine(root, name, version);
    }

    public static string OnnxPath(string versionDirectory) => Path.Combine(versionDirectory, OnnxFileName);

    public static string CardPath(string versionDirectory) => Path.Combine(versionDirectory, CardFileName);

    /// <summary>Every {name}/{version} directory under <paramref name="root"/> that holds a card and a model.</summary>
    public static IEnumerable<(string Name, string Version, string Directory)> Enumerate(string root)
    {
        if (!Directory.Exists(root))
        {
            yield break;
        }

        foreach (var nameDir in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(nameDir);
            if (!IsValidName(name))
            {
                continue;
            }

            foreach (var versionDir in Directory.EnumerateDirectories(nameDir).Order(StringComparer.Ordinal))
            {
                var version = Path.GetFileName(versionDir);
                if (IsValidName(version) && File.Exists(CardPath(versionDir)) && File.Exists(OnnxPath(versionDir)))
                {
                    yield return (name, version, versionDir);
                }
            }
        }
    }

    /// <summary>The highest version of <paramref name="name"/> (numeric parts compared as numbers).</summary>
    public static string NewestVersionDirectory(string root, string name)
    {
        ValidateName(name, "name");
        var versions = Enumerate(root).Where(m => m.Name == name).ToList();
        if (versions.Count == 0)
        {
            throw new FileNotFoundException($"no model '{name}' in {root} (expected {name}/<version>/{CardFileName})");
        }

        return versions.MaxBy(m => m.Version, VersionComparer.Instance).Directory;
    }

    /// <summary>1 to 64 of [A-Za-z0-9._-], not starting with a dot: no separators, no "..".</summary>
    public static bool IsValidName(string? name) =>
        name is { Length: > 0 and <= MaxNameLength } && name[0] != '.' &&
        name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    public static void ValidateName(string? name, string field)
    {
        if (!IsValidName(name))
        {
            throw new ModelCardException(field,
                $"'{name}' is not a valid model {field}: 1 to {MaxNameLength} letters, digits, '.', '_' or '-', not starting with '.'");
        }
    }
}

/// <summary>Orders versions like 1.2.10 after 1.2.9: dot-separated parts compared as numbers where both are.</summary>
public sealed class VersionComparer : IComparer<string>
{
    public static readonly VersionComparer Instance = new();

    public int Compare(string? x, string? y)
    {
        var a = (x ?? "").Split('.', '-', '_');
        var b = (y ?? "").Split('.', '-', '_');
        for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            var c = long.TryParse(a[i], out var na) && long.TryParse(b[i], out var nb)
                ? na.CompareTo(nb)
                : string.CompareOrdinal(a[i], b[i]);
            if (c != 0)
            {
                return c;
            }
        }

        return a.Length.CompareTo(b.Length);
    }
}

/// <summary><c>name@version</c> (version optional: the newest) as fleets, the CLI and the config name models.</summary>
public readonly record struct ModelReference(string Name, string? Version)
{
    public static bool TryParse(string? text, out ModelReference reference)
    {
        reference = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var at = text.IndexOf('@');
        var name = at < 0 ? text : text[..at];
        var version = at < 0 ? null : text[(at + 1)..];
        if (!ModelLayout.IsValidName(name) || (version is not null && !ModelLayout.IsValidName(version)))
        {
            return false;
        }

        reference = new ModelReference(name, version);
        return true;
    }

    public override string ToString() => Version is null ? Name : $"{Name}@{Version}";
}
