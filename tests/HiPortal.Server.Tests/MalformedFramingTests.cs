using System.Net.Sockets;
using System.Text;

namespace HiPortal.Server.Tests;

/// <summary>
/// HTTP/1.1 framing no HttpClient will send, written to the socket as is: the routes that read their own bodies answer
/// a 400 problem naming the body, as Kestrel's own framing errors are answered.
/// </summary>
public sealed class MalformedFramingTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Theory]
    [InlineData(Routes.Offloads, "application/json")]
    [InlineData(Routes.Offloads, "application/octet-stream")]
    [InlineData(Routes.OffloadsBatch, "application/json")]
    [InlineData(Routes.Telemetry, "application/json")]
    [InlineData("/v2/models/fashion-large/infer", "application/json")]
    public async Task AChunkSizePastLongMaxValue_Is400NamingTheBody(string path, string contentType)
    {
        var (status, body) = await SendRawAsync(
            $"POST {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {server.Device.Key}\r\n" +
            $"Content-Type: {contentType}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
            "ffffffffffffffff\r\n{}\r\n0\r\n\r\n");

        Assert.True(status == 400, $"{path}: {status} {body}");
        Assert.Contains("application/problem+json", body, StringComparison.Ordinal);
        Assert.Contains("\"body\"", body, StringComparison.Ordinal);
    }

    /// <summary>The status code and the whole response (headers and body) of one request on its own connection.</summary>
    private async Task<(int Status, string Response)> SendRawAsync(string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.App.HttpAddress.Host, server.App.HttpAddress.Port);
        await using var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));
        var status = int.Parse(response.AsSpan(9, 3), provider: System.Globalization.CultureInfo.InvariantCulture);
        return (status, response);
    }
}
