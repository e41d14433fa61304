using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace HiPortal.Server.Tests;

public sealed class AuthTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task PostOffload_Returns401_WithoutAuthorization()
    {
        using var response = await server.Anonymous.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(0, "anonymous"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("hpk_000000000000_xxx")]
    [InlineData("hpk_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("garbage")]
    [InlineData("hpk_")]
    [InlineData("hpt_not-a-protected-token")]
    public async Task PostOffload_Returns401_ForAnUnknownOrMalformedKey(string key)
    {
        using var client = ClientWith(key);

        using var response = await client.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(0, "unknown-key"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task PostOffload_Returns401_ForAKnownKeyIdWithTheWrongSecret()
    {
        var keyId = server.Device.Key.Split('_')[1];
        using var client = ClientWith($"hpk_{keyId}_wrong-secret");

        using var response = await client.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(0, "wrong-secret"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task PostOffload_Returns403_ForAnAdminToken()
    {
        using var admin = await server.App.CreateAdminAsync();

        using var response = await admin.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(0, "from-admin"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task CreateDevice_Returns403_ForADeviceKey()
    {
        using var response = await server.DeviceClient.PostAsJsonAsync("/api/v1/admin/devices", new { name = "rogue" });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task CreateDevice_Returns401_WithoutAuthorization()
    {
        using var response = await server.Anonymous.PostAsJsonAsync("/api/v1/admin/devices", new { name = "rogue" });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task CreateDevice_Returns400NamingName_WhenNameIsMissing()
    {
        using var admin = await server.App.CreateAdminAsync();

        using var response = await admin.PostAsJsonAsync("/api/v1/admin/devices", new { fleet = "lab" });

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "name");
    }

    [Fact]
    public async Task IssueToken_Returns401Problem_ForAWrongPassword()
    {
        using var response = await server.Anonymous.PostAsJsonAsync("/api/v1/auth/token", new { username = "admin", password = "wrong" });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(401, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(problem.RootElement.TryGetProperty("token", out _));
    }

    [Fact]
    public async Task IssueToken_Returns401Problem_ForAnUnknownUser()
    {
        using var response = await server.Anonymous.PostAsJsonAsync("/api/v1/auth/token", new { username = "nobody", password = "x" });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task IssueToken_Returns400NamingUsername_WhenUsernameIsMissing()
    {
        using var response = await server.Anonymous.PostAsJsonAsync("/api/v1/auth/token", new { password = "x" });

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "username");
    }

    [Fact]
    public async Task IssueToken_Returns400NamingPassword_WhenPasswordIsMissing()
    {
        using var response = await server.Anonymous.PostAsJsonAsync("/api/v1/auth/token", new { username = "admin" });

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "password");
    }

    [Fact]
    public async Task IssueToken_Returns400_ForMalformedJson()
    {
        using var content = new StringContent("{\"username\": ", System.Text.Encoding.UTF8, "application/json");

        using var response = await server.Anonymous.PostAsync("/api/v1/auth/token", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task IssuedToken_AuthorizesAdminEndpoints()
    {
        using var admin = await server.App.CreateAdminAsync();

        using var response = await admin.GetAsync("/api/v1/admin/devices");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(server.Device.DeviceId, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeviceKeys_AreStoredOnlyAsSha256Hashes()
    {
        var created = await server.App.RegisterDeviceAsync("hashed", "lab");
        var secret = created.Key[(created.Key.IndexOf('_', 4) + 1)..];

        await using var connection = await server.App.Database.OpenAsync();
        await using var command = ServerDatabase.Command(connection, "SELECT * FROM \"DeviceKeys\" WHERE \"DeviceId\" = @device",
            ("@device", created.DeviceId));
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var values = new List<string>();
        for (var i = 0; i < reader.FieldCount; i++)
        {
            values.Add(reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)!);
        }

        var hash = reader.GetString(reader.GetOrdinal("SecretHash"));
        Assert.Matches("^[0-9a-f]{64}$", hash);
        Assert.DoesNotContain(values, v => v.Contains(created.Key, StringComparison.Ordinal));
        Assert.DoesNotContain(values, v => v.Contains(secret, StringComparison.Ordinal));
        Assert.False(await reader.ReadAsync());
    }

    private HttpClient ClientWith(string bearer)
    {
        var client = server.App.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return client;
    }
}
