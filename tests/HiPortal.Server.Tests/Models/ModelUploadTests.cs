using System.Net;
using HiPortal.Core.Inference;
using HiPortal.Server.Inference;
using HiPortal.Testing.Models;
using Microsoft.Extensions.DependencyInjection;

namespace HiPortal.Server.Tests.Models;

/// <summary>Every bad upload is refused with a problem naming the field, and nothing in the repository or serving changes.</summary>
public sealed class ModelUploadTests
{
    private static readonly OnnxModelBuilder s_builder = new() { SampleShape = TestModel.SampleShape, Classes = TestModel.Classes, Seed = 41 };

    public static TheoryData<string, HttpStatusCode, string> BadUploads => new()
    {
        { "not-onnx", HttpStatusCode.BadRequest, "model" },
        { "sha-mismatch", HttpStatusCode.BadRequest, "card.sha256" },
        { "input-name", HttpStatusCode.BadRequest, "card.input.name" },
        { "input-shape", HttpStatusCode.BadRequest, "card.input.shape" },
        { "output-classes", HttpStatusCode.BadRequest, "card.output.shape" },
        { "too-large", HttpStatusCode.RequestEntityTooLarge, "model" },
        { "slash-name", HttpStatusCode.BadRequest, "card.name" },
        { "dotdot-version", HttpStatusCode.BadRequest, "card.version" },
        { "duplicate", HttpStatusCode.Conflict, "card.version" },
        { "card-json", HttpStatusCode.BadRequest, "card" },
    };

    [Theory]
    [MemberData(nameof(BadUploads))]
    public async Task RegisterModel_RefusesABadUpload_NamingTheField_AndChangesNothing(string kind, HttpStatusCode status, string field)
    {
        await using var app = await HiPortalHost.StartAsync(new() { Settings = new Dictionary<string, string?> { ["Models:MaxUploadBytes"] = "200000" } });
        using var admin = await app.CreateAdminAsync();
        var good = s_builder.Build();
        var goodCard = s_builder.CardFor(good, "bad-large", "1.0.0", "UINT8", TestModel.Preprocessing);
        if (kind == "duplicate")
        {
            await admin.RegisterModelAsync(good, goodCard.ToJson());
        }

        var host = app.Services.GetRequiredService<ModelHost>();
        var listedBefore = (await admin.ListModelsAsync()).Select(m => $"{m.Name}@{m.Version}").ToList();
        var servedBefore = host.Served.Select(m => m.Reference).Order().ToList();
        var (bytes, card) = Upload(kind, good, goodCard);

        var refused = await Assert.ThrowsAsync<HiPortalApiException>(() => admin.RegisterModelAsync(bytes, card));

        Assert.Equal(status, refused.Status);
        Assert.Contains(field, refused.Problem!.Errors!.Keys);
        Assert.Equal(listedBefore, (await admin.ListModelsAsync()).Select(m => $"{m.Name}@{m.Version}").ToList());
        Assert.Equal(servedBefore, host.Served.Select(m => m.Reference).Order().ToList());
        var root = app.Services.GetRequiredService<HiPortal.Server.Models.ModelRepository>().Root;
        Assert.Equal(listedBefore.Order(), ModelLayout.Enumerate(root).Select(m => $"{m.Name}@{m.Version}").Order());
        // Where the server keeps its files is not the client's business (ONNX Runtime's messages name the staged file).
        Assert.DoesNotContain(root, refused.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("--x\r\nContent-Disposition: form-data; name=\"card\"\r\n\r\n{\"name\":")]
    public async Task RegisterModel_AFormThatEndsBeforeItsClosingBoundary_Is400NamingTheBody(string body)
    {
        await using var app = await HiPortalHost.StartAsync();
        using var admin = await app.CreateAdminAsync();
        var listedBefore = (await admin.ListModelsAsync()).Select(m => $"{m.Name}@{m.Version}").ToList();
        using var content = new StringContent(body);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("multipart/form-data; boundary=x");

        using var response = await admin.PostAsync(Routes.Models, content);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "body");
        Assert.Equal(listedBefore, (await admin.ListModelsAsync()).Select(m => $"{m.Name}@{m.Version}").ToList());
    }

    [Fact]
    public async Task DeleteModel_IsRefusedWhileAFleetUsesIt_AndRemovesAnUnusedVersion()
    {
        await using var app = await HiPortalHost.StartAsync();
        using var admin = await app.CreateAdminAsync();
        var bytes = s_builder.Build();
        await admin.RegisterModelAsync(bytes, s_builder.CardFor(bytes, "spare", "1.0.0", "UINT8", TestModel.Preprocessing).ToJson());

        var inUse = await Assert.ThrowsAsync<HiPortalApiException>(() => admin.DeleteModelAsync("fashion-large", "1.0.0"));
        await admin.DeleteModelAsync("spare", "1.0.0", "not needed");

        Assert.Equal(HttpStatusCode.Conflict, inUse.Status);
        Assert.Contains("default:large", inUse.Problem!.Detail);
        var listed = await admin.ListModelsAsync();
        Assert.DoesNotContain(listed, m => m.Name == "spare");
        var large = Assert.Single(listed, m => m.Name == "fashion-large");
        Assert.Contains("default:large", large.UsedBy);
        Assert.True(large.Loaded);
        Assert.Equal(1L, await app.Database.CountAsync("SELECT COUNT(*) FROM \"Audit\" WHERE \"Action\" = 'model.delete' AND \"Target\" = 'spare@1.0.0'"));
    }

    private static (byte[] Bytes, string Card) Upload(string kind, byte[] good, ModelCard card)
    {
        switch (kind)
        {
            case "not-onnx":
                var junk = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("not an onnx graph ", 64)));
                return (junk, s_builder.CardFor(junk, "bad-large", "1.0.0", "UINT8", TestModel.Preprocessing).ToJson());
            case "sha-mismatch":
                return (good, (card with { Sha256 = new string('0', 64) }).ToJson());
            case "input-name":
                return (good, (card with { Input = card.Input with { Name = "pixels" } }).ToJson());
            case "input-shape":
                return (good, (card with { Input = card.Input with { Shape = [-1, 3, 16, 8] } }).ToJson());
            case "output-classes":
                return (good, (card with { Output = card.Output with { Shape = [-1, 7] }, ClassNames = Enumerable.Range(0, 7).Select(i => $"c{i}").ToArray() }).ToJson());
            case "too-large":
                var big = (s_builder with { Hidden = 80 }).Build();
                return (big, (s_builder with { Hidden = 80 }).CardFor(big, "bad-large", "1.0.0", "UINT8", TestModel.Preprocessing).ToJson());
            case "slash-name":
                return (good, card.ToJson().Replace("\"bad-large\"", "\"bad/large\"", StringComparison.Ordinal));
            case "dotdot-version":
                return (good, card.ToJson().Replace("\"1.0.0\"", "\"..\"", StringComparison.Ordinal));
            case "card-json":
                return (good, "{ not json");
            default:
                return (good, card.ToJson());
        }
    }
}
