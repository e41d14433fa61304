using System.Runtime.InteropServices;

namespace HiPortal.Server.Inference;

/// <summary>
/// CPU time of the calling OS thread (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>), so a model execution's own CPU can be told
/// apart from the wall time it took on a machine whose cores it shares with the request path. With one intra-op
/// thread ONNX Runtime runs the whole graph on the calling thread, so the difference around a run is the model's CPU.
/// Elsewhere (or if the call fails) <see cref="Now"/> is null and nothing is recorded.
/// </summary>
internal static class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;

    // TimeSpec below is the 64-bit layout (time_t and long are 8 bytes); a 32-bit process reads nothing.
    private static readonly bool s_available = OperatingSystem.IsLinux() && Environment.Is64BitProcess;

    /// <summary>This thread's CPU time in microseconds, or null where it cannot be read.</summary>
    public static long? Now()
    {
        if (!s_available || ClockGetTime(ClockThreadCpuTimeId, out var now) != 0)
            return null;
        return (now.Seconds * 1_000_000) + (now.Nanoseconds / 1_000);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    // DllImport, not LibraryImport: the struct is blittable, so no marshalling code (or unsafe blocks) is needed.
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "clock_gettime")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int ClockGetTime(int clock, out TimeSpec time);
#pragma warning restore SYSLIB1054
}
