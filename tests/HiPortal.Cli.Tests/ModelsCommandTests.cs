using System.Collections.Concurrent;
using System.Security.Cryptography;
using HiPortal.Testing.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace HiPortal.Cli.Tests;

/// <summary>
/// <c>hiportal models</c>: argument checks without a server, and the requests it sends to a small real loopback
/// app that answers the admin routes as the contract says (the real server's side is on another branch).
/// </summary>
[Collection(RealModelsCollection.Name)]
public sealed class ModelsCommandTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("hiportal-models-cli-").FullName;
    private readonly ConcurrentQueue<string> _requests = new();
    private WebApplication _app = null!;
    private string _server = null!;
    private (string ModelName, long ModelBytes, string Card)? _upload;
    private FleetModelsRequest? _assigned;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = _root });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.Use((context, next) =>
        {
            _requests.Enqueue($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString} {context.Request.Headers.Authorization}");
            return next(context);
        });
        _app.MapPost(Routes.Token, () => Results.Json(new TokenResponse("admin-token", DateTimeOffset.UnixEpoch, "admin"), ContractsJson.Default.TokenResponse));
        _app.MapPost(Routes.Models, async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            var model = form.Files["model"]!;
            using var card = new StreamReader(form.Files["card"]!.OpenReadStream());
            _upload = (model.FileName, model.Length, await card.ReadToEndAsync());
            return Results.Json(new ModelVersionView("sensor-tiny", "1.0.0", new string('a', 64), model.Length, "classification", "INT16",
                [-1, 1, 64], ["a", "b", "c", "d"], 260, new Dictionary<string, double>(), false, DateTimeOffset.UnixEpoch, "admin", [], false),
                ContractsJson.Default.ModelVersionView, statusCode: 201);
        });
        _app.MapPut("/api/v1/admin/fleets/{name}/models", async (string name, HttpRequest request) =>
        {
            _assigned = await request.ReadFromJsonAsync(ContractsJson.Default.FleetModelsRequest);
            return Results.Json(new Problem(Title: "Model not found", Status: 409, Detail: "no model sensor-large@9.0.0", Field: "large"),
                ContractsJson.Default.Problem, contentType: "application/problem+json", statusCode: 409);
        });
        await _app.StartAsync();
        _server = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private string[] Models(params string[] args) => ["models", .. args, "--server", _server, "--admin-password", "secret"];

    [Fact]
    public void Upload_Directory_SendsTheOnnxAndCardAsMultipartFieldsAfterSigningIn()
    {
        var card = new OnnxModelBuilder { SampleShape = [1, 64], Classes = 4 }.WriteTo(_root, "sensor-tiny", "1.0.0", "INT16");
        var directory = Path.Combine(_root, "sensor-tiny", "1.0.0");

        var (code, output) = HiportalProcess.Run(Models("upload", directory));

        Assert.True(code == 0, output);
        Assert.Contains("registered sensor-tiny@1.0.0 (INT16 [-1,1,64], 4 classes", output);
        var upload = Assert.NotNull(_upload);
        Assert.Equal(("model.onnx", new FileInfo(Path.Combine(directory, "model.onnx")).Length), (upload.ModelName, upload.ModelBytes));
        Assert.Equal(File.ReadAllText(Path.Combine(directory, "card.json")), upload.Card);
        Assert.Equal(card.Sha256, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(directory, "model.onnx")))));
        Assert.Equal(["POST /api/v1/auth/token ", "POST /api/v1/admin/models Bearer admin-token"], _requests.ToArray());
    }

    [Fact]
    public void Assign_RefusedByTheServer_PrintsTheProblemsFieldAndDetail()
    {
        var (code, output) = HiportalProcess.Run(Models("assign", "--fleet", "lab", "--large", "sensor-large@9.0.0", "--reason", "rollback"));

        Assert.Equal(3, code);
        Assert.Contains("refused (409): large: no model sensor-large@9.0.0", output);
        Assert.Equal(new FleetModelsRequest(null, "sensor-large@9.0.0", "rollback"), _assigned);
    }

    [Theory]
    [InlineData(new[] { "delete", "sensor-tiny" }, "MODEL must be name@version")]
    [InlineData(new[] { "assign", "--fleet", "lab" }, "give --tiny, --large or both")]
    [InlineData(new[] { "assign", "--fleet", "lab", "--tiny", "../x@1" }, "--tiny must be name@version")]
    [InlineData(new[] { "upload", "--onnx", "m.onnx" }, "give either DIR or both --onnx F and --card F")]
    public void BadArguments_AreRefusedBeforeAnyRequest(string[] args, string message)
    {
        var (code, output) = HiportalProcess.Run(Models(args));

        Assert.NotEqual(0, code);
        Assert.Contains(message, output);
        Assert.Empty(_requests);
    }

    [Fact]
    public void Upload_OfADirectoryWithoutACard_IsRefusedBeforeAnyRequest()
    {
        var (code, output) = HiportalProcess.Run(Models("upload", _root));

        Assert.Equal(2, code);
        Assert.Contains($"{Path.Combine(_root, "model.onnx")} does not exist", output);
        Assert.Empty(_requests);
    }
}
