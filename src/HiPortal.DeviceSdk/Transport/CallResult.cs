using System.Net;

namespace HiPortal.DeviceSdk.Transport;

/// <summary>One HTTP call's outcome: a value, 304, or a classified failure.</summary>
internal readonly record struct CallResult<T>(
    T? Value,
    HiDeviceErrorKind? Error,
    HttpStatusCode? Status,
    TimeSpan? RetryAfter,
    string? Detail,
    TimeSpan Elapsed)
{
    public bool Succeeded => Error is null;

    public bool NotModified => Status == HttpStatusCode.NotModified;

    /// <summary>Worth another try: the request may succeed later unchanged.</summary>
    public bool IsTransient => Error is HiDeviceErrorKind.Network or HiDeviceErrorKind.Timeout or HiDeviceErrorKind.Throttled
        or HiDeviceErrorKind.Unavailable or HiDeviceErrorKind.ServerError;

    public static HiDeviceErrorKind Classify(HttpStatusCode status) => (int)status switch
    {
        408 => HiDeviceErrorKind.Timeout,
        429 => HiDeviceErrorKind.Throttled,
        503 => HiDeviceErrorKind.Unavailable,
        >= 500 => HiDeviceErrorKind.ServerError,
        409 => HiDeviceErrorKind.Conflict,
        401 or 403 => HiDeviceErrorKind.Unauthorized,
        404 => HiDeviceErrorKind.NotFound,
        _ => HiDeviceErrorKind.Rejected,
    };
}
