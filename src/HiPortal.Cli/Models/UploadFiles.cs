using HiPortal.Core.Inference;

namespace HiPortal.Cli.Models;

/// <summary>The two files an upload sends, checked to exist (and the card to parse) before any network call.</summary>
internal sealed record UploadFiles(string Onnx, string Card, string? Problem)
{
    public static UploadFiles From(string? directory, string? onnx, string? card)
    {
        var files = directory is not null
            ? new UploadFiles(ModelLayout.OnnxPath(directory), ModelLayout.CardPath(directory), null)
            : new UploadFiles(onnx!, card!, null);
        foreach (var path in new[] { files.Onnx, files.Card })
        {
            if (!File.Exists(path))
                return files with { Problem = $"{path} does not exist" };
        }

        try
        {
            ModelCard.Parse(File.ReadAllBytes(files.Card));
        }
        catch (ModelCardException ex)
        {
            return files with { Problem = $"{files.Card}: {ex.Message}" };
        }

        return files;
    }
}
