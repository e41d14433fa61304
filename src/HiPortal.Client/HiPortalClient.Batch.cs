using System.Net.Http.Headers;
using System.Net.Http.Json;
using HiPortal.Contracts;

namespace HiPortal.Client;

/// <summary>Many offloads in one call (gateways): each item answered on its own, in order.</summary>
public partial class HiPortalClient
{
    /// <summary>POST /offloads/batch, JSON form. Item errors are in the answer's items, not thrown.</summary>
    public Task<OffloadBatchResponse> OffloadBatchAsync(IEnumerable<OffloadRequest> offloads, CancellationToken cancellationToken = default) =>
        PostAsync(Routes.OffloadsBatch, new OffloadBatchRequest { Items = offloads.ToList() }, ContractsJson.Default.OffloadBatchRequest,
            ContractsJson.Default.OffloadBatchResponse, cancellationToken);

    /// <summary>POST /offloads/batch, binary form (<see cref="OffloadBatchFrames"/>).</summary>
    public async Task<OffloadBatchResponse> OffloadBatchBinaryAsync(IEnumerable<BinaryOffload> offloads, CancellationToken cancellationToken = default)
    {
        using var request = BatchRequest(offloads);
        using var response = await SendAsync(request, cancellationToken);
        await EnsureSuccessAsync(response, $"POST {Routes.OffloadsBatch} (binary)", cancellationToken);
        return (await response.Content.ReadFromJsonAsync(ContractsJson.Default.OffloadBatchResponse, cancellationToken))!;
    }

    /// <summary>The binary batch request, which a caller may still add to (a deadline header) before sending.</summary>
    public static HttpRequestMessage BatchRequest(IEnumerable<BinaryOffload> offloads)
    {
        var body = new MemoryStream();
        foreach (var offload in offloads)
        {
            OffloadBatchFrames.Write(body, offload.Headers(), offload.Data.Span);
        }

        var content = new ByteArrayContent(body.GetBuffer(), 0, (int)body.Length);
        content.Headers.ContentType = new MediaTypeHeaderValue(WireHeaders.BinaryContentType);
        return new HttpRequestMessage(HttpMethod.Post, Routes.OffloadsBatch) { Content = content };
    }
}
