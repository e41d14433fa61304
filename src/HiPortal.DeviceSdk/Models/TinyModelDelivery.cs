using System.Security.Cryptography;
using HiPortal.Contracts;
using HiPortal.Core.Inference;
using HiPortal.DeviceSdk.Local;
using HiPortal.DeviceSdk.Transport;

namespace HiPortal.DeviceSdk.Models;

/// <summary>What became of a desired tiny model: running, refused (ack rejected), or to try again later.</summary>
internal readonly record struct DeliveryOutcome(bool Retry, string? Rejection, OnnxClassifier? Loaded)
{
    public static readonly DeliveryOutcome AlreadyRunning = new(false, null, null);
}

/// <summary>
/// Brings the tiny model the desired configuration names onto the device: downloads its file with the device key
/// (the sha256 is the ETag, so a cached copy costs a 304), checks the hash, and loads it against the running card.
/// <para>The rule: a delivered model must take the same sample and answer in the same classes as the one running —
/// the running card's input (name, datatype, shape, preprocessing) and output (name, [N, classes], class names)
/// must describe the new graph, which <see cref="OnnxClassifier.Load(string, ModelCard, ExecutionProvider, int, int, bool)"/>
/// checks. A device's sensor does not change with a download; a model that needs another sample is refused.</para>
/// Nothing switches here: the caller switches once the whole configuration version is accepted.
/// </summary>
internal sealed class TinyModelDelivery(DeviceHttp http, LocalModel model, string cacheRoot)
{
    /// <summary>No tiny model for a microcontroller-class device is anywhere near this.</summary>
    public const long MaxModelBytes = 64L << 20;

    public async Task<DeliveryOutcome> FetchAsync(TinyModelRef desired, CancellationToken cancellationToken)
    {
        var running = model.Card;
        if (desired.Name == running.Name && desired.Version == running.Version && desired.Sha256 == running.Sha256)
            return DeliveryOutcome.AlreadyRunning;
        if (!ModelLayout.IsValidName(desired.Name) || !ModelLayout.IsValidName(desired.Version))
            return Refuse($"model name '{desired.Name}@{desired.Version}' is not valid");
        if (desired.Sha256 is not { Length: 64 } || !desired.Sha256.All(char.IsAsciiHexDigitLower))
            return Refuse("model sha256 must be 64 lower-case hex digits");

        var directory = ModelLayout.VersionDirectory(cacheRoot, desired.Name, desired.Version);
        var onnx = ModelLayout.OnnxPath(directory);
        var cached = File.Exists(onnx) && ModelCard.ComputeSha256(onnx) == desired.Sha256;
        if (!cached)
        {
            var download = await http.GetFileAsync(Relative(desired), etag: null, desired.Bytes > 0 ? Math.Min(MaxModelBytes, desired.Bytes) : MaxModelBytes, cancellationToken);
            if (download.Error is { } error)
            {
                return download.IsTransient
                    ? new DeliveryOutcome(true, $"download of {desired.Name}@{desired.Version} failed ({error}: {download.Detail})", null)
                    : Refuse($"download of {desired.Name}@{desired.Version} refused ({(int?)download.Status} {download.Detail})");
            }

            var bytes = download.Value ?? [];
            var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
            if (actual != desired.Sha256)
                return Refuse($"sha256 of {desired.Name}@{desired.Version} is {actual}, the configuration says {desired.Sha256}; keeping {running.Reference}");
            Directory.CreateDirectory(directory);
            // Written aside and moved, so a crash never leaves a half file under the model's name.
            var partial = onnx + ".partial";
            await File.WriteAllBytesAsync(partial, bytes, cancellationToken);
            File.Move(partial, onnx, overwrite: true);
        }

        var card = running with { Name = desired.Name, Version = desired.Version, Sha256 = desired.Sha256 };
        try
        {
            var loaded = LocalModel.Open(onnx, card);
            await File.WriteAllTextAsync(ModelLayout.CardPath(directory), card.ToJson(), cancellationToken);
            return new DeliveryOutcome(false, null, loaded);
        }
        catch (ModelCardException ex)
        {
            return Refuse($"{desired.Name}@{desired.Version} does not take the running model's sample: {ex.Message}; keeping {running.Reference}");
        }
    }

    public void Switch(OnnxClassifier loaded) => model.Switch(loaded, owned: true);

    private static DeliveryOutcome Refuse(string reason) => new(false, reason, null);

    // The file is fetched from this server with this device's key: a URL naming another host is not followed.
    private static string Relative(TinyModelRef desired) =>
        Uri.TryCreate(desired.Url, UriKind.Absolute, out _) || string.IsNullOrEmpty(desired.Url)
            ? Routes.ModelFile(desired.Name, desired.Version).TrimStart('/')
            : desired.Url.TrimStart('/');
}
