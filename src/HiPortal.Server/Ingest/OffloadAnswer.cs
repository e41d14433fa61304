using HiPortal.Server.Devices;
using HiPortal.Server.Inference;
using HiPortal.Server.Observability;
using HiPortal.Server.Problems;

namespace HiPortal.Server.Ingest;

/// <summary>
/// One offload's answer, as the single route and each item of a batch give it: the large model's response, or a
/// problem (status, title, the field at fault and why).
/// </summary>
public sealed record OffloadAnswer(int Status, OffloadResponse? Response, string? Title = null, string? Field = null, string? Detail = null)
{
    public const string BusyTitle = "The server is busy; retry later.";

    public static OffloadAnswer Unavailable(string detail) => new(StatusCodes.Status503ServiceUnavailable, null, BusyTitle, Detail: detail);

    public static OffloadAnswer Invalid(FieldError error) =>
        new(StatusCodes.Status400BadRequest, null, "The request is invalid.", error.Field, error.Message);

    /// <summary>The single route's answer: the response as JSON, or the problem (with Retry-After on a 503).</summary>
    public IResult ToResult(HttpContext context, BatchingOptions options)
    {
        if (Response is not null)
        {
            return new BufferedJsonResult<OffloadResponse>(Response, ContractsJson.Default.OffloadResponse);
        }

        if (Status == StatusCodes.Status503ServiceUnavailable)
        {
            options.AdviseRetry(context.Response);
        }

        return ProblemResults.Status(Status, Title!, Detail!, Field);
    }

    /// <summary>The decision to store for a validated offload, as the worker and the writer expect it.</summary>
    public static PendingDecision Pending(DeviceIdentity device, ParsedOffload offload, TimeProvider time) => new()
    {
        DeviceId = device.DeviceId,
        Fleet = device.Fleet,
        SampleId = offload.SampleId,
        PayloadHash = offload.PayloadHash,
        ReceivedAtMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
        CapturedAtMs = offload.CapturedAt?.ToUnixTimeMilliseconds(),
        LocalClass = offload.LocalClass,
        LocalConfidence = offload.LocalConfidence,
        LocalInferenceMicros = offload.LocalInferenceMicros,
        Label = offload.Label,
        InputBytes = offload.InputBytes,
        Exploration = offload.Exploration,
    };

    /// <summary>What an enqueued offload's outcome means for its caller: the answer, a replay of the stored one, or 409/503.</summary>
    public static async ValueTask<OffloadAnswer> FromOutcomeAsync(InferenceOutcome outcome, ParsedOffload offload, PendingDecision pending,
        DecisionStore store, HiPortalMetrics metrics, long configVersion)
    {
        switch (outcome.Status)
        {
            case InferenceStatus.Completed:
                metrics.Request("ok", "inferred");
                var result = outcome.Result!;
                return new(StatusCodes.Status200OK, new OffloadResponse(offload.SampleId, result.PredictedClass, result.Confidence,
                    result.Probabilities, result.PredictedClass == offload.LocalClass, pending.ModelName, pending.ModelVersion,
                    result.BatchSize, result.QueueMicros, result.InferenceMicros, Replayed: false, configVersion));
            case InferenceStatus.AlreadyStored:
                var stored = outcome.Stored ?? await store.FindAsync(pending.DeviceId, offload.SampleId, CancellationToken.None);
                return stored is null ? Unavailable("the decision could not be stored") : Replay(stored, offload, metrics, configVersion);
            case InferenceStatus.Expired:
                metrics.Request("overloaded", "deadline");
                return Unavailable(outcome.Error ?? "deadline exceeded");
            default:
                metrics.Request("failed", "server");
                return Unavailable(outcome.Error ?? "inference failed");
        }
    }

    /// <summary>A queue that would not take the offload: full, or its model being replaced.</summary>
    public static OffloadAnswer NotQueued(EnqueueResult enqueued, HiPortalMetrics metrics)
    {
        metrics.Request("overloaded", enqueued == EnqueueResult.Full ? "queue_full" : "swapping");
        return Unavailable(enqueued == EnqueueResult.Full ? "the inference queue is full" : "the fleet's model is being replaced");
    }

    private static OffloadAnswer Replay(StoredDecision stored, ParsedOffload offload, HiPortalMetrics metrics, long configVersion)
    {
        if (stored.PayloadHash != offload.PayloadHash)
        {
            metrics.Request("rejected", "conflict");
            return new(StatusCodes.Status409Conflict, null, "This sample id was already used.", "sampleId",
                "a decision with this sampleId exists for a different payload; use a new sampleId");
        }

        metrics.Request("ok", "replayed");
        return new(StatusCodes.Status200OK, new OffloadResponse(offload.SampleId, stored.ServerClass, stored.ServerConfidence,
            stored.Probabilities, stored.ServerClass == stored.LocalClass, stored.ModelName, stored.ModelVersion,
            stored.BatchSize, stored.QueueMicros, stored.InferenceMicros, Replayed: true, configVersion));
    }
}
