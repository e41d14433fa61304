using HiPortal.Testing.Models;

namespace HiPortal.Cli.Tests;

/// <summary>
/// <c>hiportal models</c> as an admin runs it, against the real server on loopback: upload a version, list it, refused
/// calls print the problem's field and detail, delete it; bad arguments are refused before any request.
/// </summary>
[Collection(RealModelsCollection.Name)]
public sealed class ModelsCommandTests : IAsyncLifetime
{
    // Nothing listens here: a command that sent a request would fail with a connection error, not its own message.
    private const string Nowhere = "http://127.0.0.1:9";
    private readonly string _root = Directory.CreateTempSubdirectory("hiportal-models-cli-").FullName;
    private readonly string _name = $"sensor-{Guid.NewGuid():N}"[..20];
    private HiPortalHost _app = null!;

    public async Task InitializeAsync() => _app = await HiPortalHost.StartAsync();

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private string[] Models(params string[] args) => Against(_app.HttpAddress.ToString(), args);

    private static string[] Against(string server, params string[] args) =>
        ["models", .. args, "--server", server, "--admin-password", HiPortalHost.AdminPassword];

    [Fact]
    public async Task Upload_List_Delete_RoundTripThroughTheServer()
    {
        new OnnxModelBuilder { SampleShape = [1, 64], Classes = 4 }.WriteTo(_root, _name, "1.0.0", "INT16");

        var (uploaded, uploadOutput) = HiportalProcess.Run(Models("upload", Path.Combine(_root, _name, "1.0.0")));
        var (listed, listOutput) = HiportalProcess.Run(Models("list"));

        Assert.True(uploaded == 0, uploadOutput);
        Assert.Contains($"registered {_name}@1.0.0 (INT16 [-1,1,64], 4 classes", uploadOutput);
        Assert.True(listed == 0, listOutput);
        Assert.Contains($"{_name}@1.0.0", listOutput);
        Assert.Contains("fashion-large@1.0.0", listOutput);
        using var admin = await _app.CreateAdminAsync();
        Assert.Contains(await admin.ListModelsAsync(), m => m.Name == _name && m.Version == "1.0.0");

        var (deleted, deleteOutput) = HiportalProcess.Run(Models("delete", $"{_name}@1.0.0", "--reason", "a test"));

        Assert.True(deleted == 0, deleteOutput);
        Assert.DoesNotContain(await admin.ListModelsAsync(), m => m.Name == _name);
    }

    [Fact]
    public void Assign_RefusedByTheServer_PrintsTheProblemsFieldAndDetail()
    {
        var (code, output) = HiportalProcess.Run(Models("assign", "--fleet", "default", "--large", $"{_name}@9.0.0", "--reason", "rollback"));

        Assert.Equal(3, code);
        Assert.Contains($"large: {_name}@9.0.0 is not a registered model version", output);
    }

    [Theory]
    [InlineData(new[] { "delete", "sensor-tiny" }, "MODEL must be name@version")]
    [InlineData(new[] { "assign", "--fleet", "lab" }, "give --tiny, --large or both")]
    [InlineData(new[] { "assign", "--fleet", "lab", "--tiny", "../x@1" }, "--tiny must be name@version")]
    [InlineData(new[] { "upload", "--onnx", "m.onnx" }, "give either DIR or both --onnx F and --card F")]
    public void BadArguments_AreRefusedBeforeAnyRequest(string[] args, string message)
    {
        var (code, output) = HiportalProcess.Run(Against(Nowhere, args));

        Assert.NotEqual(0, code);
        Assert.Contains(message, output);
    }

    [Fact]
    public void Upload_OfADirectoryWithoutACard_IsRefusedBeforeAnyRequest()
    {
        var (code, output) = HiportalProcess.Run(Against(Nowhere, "upload", _root));

        Assert.Equal(2, code);
        Assert.Contains($"{Path.Combine(_root, "model.onnx")} does not exist", output);
    }
}
