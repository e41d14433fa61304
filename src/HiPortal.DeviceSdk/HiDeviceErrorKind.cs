namespace HiPortal.DeviceSdk;

/// <summary>Why a request to the server failed. The first five are transient and retried; the rest are not.</summary>
public enum HiDeviceErrorKind
{
    /// <summary>No connection, reset, TLS or DNS failure.</summary>
    Network,

    /// <summary>No answer within <see cref="HiDeviceOptions.RequestTimeout"/> (or 408).</summary>
    Timeout,

    /// <summary>429: the fleet's rate limit; retried after Retry-After.</summary>
    Throttled,

    /// <summary>503: the server is busy or its model not ready; retried after Retry-After.</summary>
    Unavailable,

    /// <summary>Another 5xx, or an answer that could not be read.</summary>
    ServerError,

    /// <summary>409: the sample id was already used for a different payload (a bug in the caller or the SDK).</summary>
    Conflict,

    /// <summary>400, 413 or another 4xx: the server refused the request as invalid.</summary>
    Rejected,

    /// <summary>401/403: the device key is wrong or revoked.</summary>
    Unauthorized,

    /// <summary>404: the device no longer exists.</summary>
    NotFound,
}
