using HiPortal.Core.Inference;
using HiPortal.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Models;

/// <summary>
/// The server's model repository on disk (<see cref="ModelLayout"/>) and its table of versions. Files are written
/// once per version and never changed, so a loaded session and the file a device downloads always agree.
/// </summary>
public sealed class ModelRepository(IOptions<ModelsOptions> options, IOptions<DatabaseOptions> database,
    IDbContextFactory<HiPortalDb> dbFactory, TimeProvider time, ILogger<ModelRepository> logger)
{
    public const string SeedSource = "seed";
    public const string UploadSource = "upload";

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _sampleBytes = new(StringComparer.Ordinal);

    public string Root { get; } = options.Value.Root(database.Value.DataDirectory());

    public string VersionDirectory(string name, string version) => ModelLayout.VersionDirectory(Root, name, version);

    public bool Exists(string name, string version) =>
        ModelLayout.IsValidName(name) && ModelLayout.IsValidName(version) &&
        File.Exists(ModelLayout.CardPath(VersionDirectory(name, version)));

    public ModelCard Card(string name, string version) => ModelCard.Load(ModelLayout.CardPath(VersionDirectory(name, version)));

    /// <summary>Wire bytes of one sample of a model (name@version), read once per version; null when unreadable.</summary>
    public int? SampleBytes(string reference)
    {
        if (_sampleBytes.TryGetValue(reference, out var known))
        {
            return known;
        }

        if (!ModelReference.TryParse(reference, out var r) || r.Version is null || !Exists(r.Name, r.Version))
        {
            return null;
        }

        try
        {
            var bytes = ModelSignature.Create(Card(r.Name, r.Version)).SampleBytes;
            _sampleBytes[reference] = bytes;
            return bytes;
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or ModelCardException)
        {
            return null;
        }
    }

    public string OnnxPath(string name, string version) => ModelLayout.OnnxPath(VersionDirectory(name, version));

    /// <summary>
    /// Copies the program's committed versions not yet in the repository, then records every version on disk that the
    /// table lacks. Idempotent: a restart copies and records nothing new.
    /// </summary>
    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Root);
        var shipped = Path.GetFullPath(ModelLayout.DefaultRoot);
        if (!string.Equals(shipped, Path.GetFullPath(Root), StringComparison.Ordinal))
        {
            foreach (var (name, version, directory) in ModelLayout.Enumerate(shipped))
            {
                var target = VersionDirectory(name, version);
                if (!Directory.Exists(target))
                {
                    CopyVersion(directory, target);
                    logger.LogInformation("Seeded model {Name}@{Version} into {Root}", name, version, Root);
                }
            }
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // One writer at a time (SQLite's write lock, PostgreSQL's writer lock): instances starting together on one
        // database must not both find a version missing and both insert it.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var known = (await db.ModelVersions.Select(m => new { m.Name, m.Version }).ToListAsync(cancellationToken))
            .Select(m => (m.Name, m.Version)).ToHashSet();
        foreach (var (name, version, directory) in ModelLayout.Enumerate(Root))
        {
            if (known.Contains((name, version)))
            {
                continue;
            }

            try
            {
                var card = ModelCard.Load(ModelLayout.CardPath(directory));
                db.ModelVersions.Add(Row(card, new FileInfo(ModelLayout.OnnxPath(directory)).Length, "system", SeedSource));
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException)
            {
                logger.LogWarning(ex, "Model {Name}@{Version} in the repository has an unreadable card; not registered", name, version);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public ModelVersion Row(ModelCard card, long bytes, string by, string source) => new()
    {
        Name = card.Name,
        Version = card.Version,
        Sha256 = card.Sha256,
        Bytes = bytes,
        CardJson = card.ToJson(),
        RegisteredAt = time.GetUtcNow().UtcDateTime,
        RegisteredBy = by,
        Source = source,
    };

    /// <summary>Writes an accepted upload, staged and renamed into place (<see cref="Publish"/>).</summary>
    public void Write(ModelCard card, string stagedOnnx) => Publish(VersionDirectory(card.Name, card.Version), staging =>
    {
        File.Copy(stagedOnnx, ModelLayout.OnnxPath(staging));
        File.WriteAllText(ModelLayout.CardPath(staging), card.ToJson());
    });

    public void Remove(string name, string version)
    {
        var directory = VersionDirectory(name, version);
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private void CopyVersion(string from, string to)
    {
        try
        {
            Publish(to, staging =>
            {
                File.Copy(ModelLayout.OnnxPath(from), ModelLayout.OnnxPath(staging));
                File.Copy(ModelLayout.CardPath(from), ModelLayout.CardPath(staging));
            });
        }
        catch (IOException) when (Directory.Exists(to))
        {
            // Another instance on the same data directory seeded this version first: its copy is the same files.
        }
    }

    /// <summary>
    /// Writes a version into a staging folder first, then renames it into place, so no reader ever sees a half-written
    /// version and a crash leaves nothing under the version's name. Seeding copied straight into the version's folder:
    /// a reader listing the repository meanwhile could open a card the copy had just created, and the copy then failed
    /// to lock it; a crash mid-copy left a folder that the next start took for seeded.
    /// </summary>
    private void Publish(string target, Action<string> write)
    {
        var staging = Path.Combine(Root, ".staging", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(staging);
        try
        {
            write(staging);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            Directory.Move(staging, target);
        }
        catch
        {
            Directory.Delete(staging, recursive: true);
            throw;
        }
    }
}
