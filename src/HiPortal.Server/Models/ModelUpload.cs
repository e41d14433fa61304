using HiPortal.Core.Inference;
using HiPortal.Server.Audit;
using HiPortal.Server.Identity;
using HiPortal.Server.Inference;
using HiPortal.Server.Persistence;
using HiPortal.Server.Problems;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Models;

/// <summary>What registering a model needs, bound from DI in one parameter.</summary>
public sealed record ModelServices(ModelRepository Repository, ModelHost Host, IDbContextFactory<HiPortalDb> DbFactory,
    IOptions<ModelsOptions> Options, TimeProvider Time, CurrentUser User);

/// <summary>
/// <c>POST /api/v1/admin/models</c>: a model is checked completely before it exists for anyone: size, card, names,
/// sha256, loadable by ONNX Runtime, graph equal to the card, warm at every batch size it will see. Only then is it
/// written (one rename) and recorded; a refusal leaves the repository and what serves untouched.
/// </summary>
public static class ModelUpload
{
    // One registration at a time: the duplicate check and the write must not interleave.
    private static readonly SemaphoreSlim s_gate = new(1, 1);

    public static async Task<Results<Created<ModelVersionView>, ProblemHttpResult>> Register(HttpContext context,
        [AsParameters] ModelServices services, CancellationToken cancellationToken)
    {
        var max = services.Options.Value.MaxUploadBytes;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            // Room for the card and the multipart framing beside a model of the largest allowed size.
            limit.MaxRequestBodySize = max + (1024 * 1024);
        }

        if (!context.Request.HasFormContentType)
        {
            return ProblemResults.Validation("body", "multipart/form-data with a 'model' file and a 'card' JSON is required");
        }

        IFormCollection form;
        try
        {
            form = await context.Request.ReadFormAsync(new FormOptions { MultipartBodyLengthLimit = max + (1024 * 1024) }, cancellationToken);
        }
        // IOException: the body ended inside the form (no closing boundary), not a client that went away.
        catch (Exception ex) when (ex is InvalidDataException or BadHttpRequestException ||
            (ex is IOException && !cancellationToken.IsCancellationRequested))
        {
            return ex is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }
                ? TooLarge(max)
                : ProblemResults.Validation("body", $"not a readable multipart form ({ex.Message})");
        }

        if (form.Files.GetFile("model") is not { } file)
        {
            return ProblemResults.Validation("model", "the ONNX file is required (form field 'model')");
        }

        if (file.Length > max)
        {
            return TooLarge(max);
        }

        if (await ReadCardAsync(form, cancellationToken) is not { } cardBytes)
        {
            return ProblemResults.Validation("card", "the model card is required (form field 'card', JSON)");
        }

        ModelCard card;
        try
        {
            card = ModelCard.Parse(cardBytes);
            ModelLayout.ValidateName(card.Name, "name");
            ModelLayout.ValidateName(card.Version, "version");
        }
        catch (ModelCardException ex)
        {
            return CardProblem(ex);
        }

        await s_gate.WaitAsync(cancellationToken);
        var staged = Path.Combine(services.Repository.Root, ".staging", $"{Guid.NewGuid():N}.onnx");
        try
        {
            await using var db = await services.DbFactory.CreateDbContextAsync(cancellationToken);
            if (services.Repository.Exists(card.Name, card.Version) ||
                await db.ModelVersions.AnyAsync(m => m.Name == card.Name && m.Version == card.Version, cancellationToken))
            {
                return ProblemResults.Status(StatusCodes.Status409Conflict, "The version exists.",
                    $"{card.Reference} is already registered; versions are immutable, register a new version", "card.version");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(staged)!);
            await using (var target = File.Create(staged))
            {
                await file.CopyToAsync(target, cancellationToken);
            }

            var sha = ModelCard.ComputeSha256(staged);
            if (sha != card.Sha256)
            {
                return ProblemResults.Validation("card.sha256", $"the uploaded file's sha256 is {sha}, the card says {card.Sha256}");
            }

            if (Verify(staged, card, services.Host.BatchingFor(card.Name).MaxBatchSize) is { } refused)
            {
                return refused;
            }

            services.Repository.Write(card, staged);
            var row = services.Repository.Row(card, file.Length, services.User.Actor, ModelRepository.UploadSource);
            db.ModelVersions.Add(row);
            AuditLog.Record(db, row.RegisteredAt, services.User.Actor, "model.register", "model", card.Reference, null,
                new { card.Name, card.Version, card.Sha256, Bytes = file.Length }, form["reason"].ToString() is { Length: > 0 } r ? r : null);
            await db.SaveChangesAsync(cancellationToken);
            return TypedResults.Created(Routes.Model(card.Name, card.Version), ModelsApi.View(row, [], loaded: false));
        }
        finally
        {
            File.Delete(staged);
            s_gate.Release();
        }
    }

    /// <summary>Loads the file in ONNX Runtime against the card and runs every batch size; null when it would serve.</summary>
    private static ProblemHttpResult? Verify(string path, ModelCard card, int maxBatch)
    {
        try
        {
            using var classifier = OnnxClassifier.Load(path, card, intraOpThreads: 1, allowSpinning: false);
            classifier.Warm(Enumerable.Range(1, maxBatch));
            return null;
        }
        catch (ModelCardException ex)
        {
            return CardProblem(ex, path);
        }
        catch (Exception ex) when (ex is Microsoft.ML.OnnxRuntime.OnnxRuntimeException or ArgumentException)
        {
            return ProblemResults.Validation("model", $"the model does not run at the card's shape ({WithoutPath(ex.Message, path)})");
        }
    }

    /// <summary>ONNX Runtime's messages name the file it loaded: the staged file inside the data directory, not the client's business.</summary>
    private static string WithoutPath(string message, string path) => message.Replace(path, "model.onnx", StringComparison.Ordinal);

    private static async Task<byte[]?> ReadCardAsync(IFormCollection form, CancellationToken cancellationToken)
    {
        if (form.Files.GetFile("card") is { } cardFile)
        {
            using var buffer = new MemoryStream();
            await cardFile.CopyToAsync(buffer, cancellationToken);
            return buffer.ToArray();
        }

        return form["card"].ToString() is { Length: > 0 } text ? System.Text.Encoding.UTF8.GetBytes(text) : null;
    }

    /// <summary>A card refusal names the card field (<c>card.input.shape</c>); "model" is the file itself.</summary>
    private static ProblemHttpResult CardProblem(ModelCardException ex, string? stagedPath = null)
    {
        var field = ex.Field is "model" or "card" ? ex.Field : $"card.{ex.Field}";
        return ProblemResults.Validation(field, stagedPath is null ? ex.Reason : WithoutPath(ex.Reason, stagedPath));
    }

    private static ProblemHttpResult TooLarge(long max) =>
        ProblemResults.Status(StatusCodes.Status413PayloadTooLarge, "The model file is too large.", $"at most {max} bytes (Models:MaxUploadBytes)", "model");
}
