namespace HiPortal.Contracts;

/// <summary>
/// Many offloads in one request (<c>POST /api/v1/offloads/batch</c>, JSON form): each item is exactly a single
/// offload's body, with its own sampleId and so its own idempotency.
/// </summary>
public sealed record OffloadBatchRequest
{
    public IReadOnlyList<OffloadRequest>? Items { get; init; }
}

/// <summary>The batch's answers in the order of its items: each is a result or a problem, never both.</summary>
/// <param name="Items">One entry per item posted, in order.</param>
/// <param name="Succeeded">Items answered with a result (inferred or replayed).</param>
/// <param name="Failed">Items answered with a problem.</param>
/// <param name="ConfigVersion">The device's desired configuration version at the server.</param>
public sealed record OffloadBatchResponse(IReadOnlyList<OffloadBatchItem> Items, int Succeeded, int Failed, long ConfigVersion);

/// <summary>One item's answer.</summary>
/// <param name="Index">The item's position in the request (0-based).</param>
/// <param name="SampleId">The item's sampleId when it could be read.</param>
/// <param name="Status">What the single route would have answered for it: 200, or a 4xx/503 status.</param>
/// <param name="Result">The large model's answer (status 200).</param>
/// <param name="Error">A problem naming the item's field (any other status); a 503 item may be posted again.</param>
public sealed record OffloadBatchItem(int Index, string? SampleId, int Status, OffloadResponse? Result = null, Problem? Error = null);
