using System.Net;

namespace HiPortal.DeviceSdk;

/// <summary>The server refused a sample for good (conflict, invalid, unauthorised): retrying would not help.</summary>
public sealed class HiDeviceException : Exception
{
    /// <summary>Creates the exception.</summary>
    public HiDeviceException(HiDeviceErrorKind kind, HttpStatusCode? status, string? sampleId, string message)
        : base(message)
    {
        Kind = kind;
        StatusCode = status;
        SampleId = sampleId;
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public HiDeviceException()
        : this("The server refused the request.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public HiDeviceException(string message)
        : base(message)
    {
        Kind = HiDeviceErrorKind.Rejected;
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public HiDeviceException(string message, Exception innerException)
        : base(message, innerException)
    {
        Kind = HiDeviceErrorKind.Rejected;
    }

    /// <summary>Why the server refused.</summary>
    public HiDeviceErrorKind Kind { get; }

    /// <summary>The HTTP status, when there was an answer.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The sample concerned, for offloads.</summary>
    public string? SampleId { get; }
}
