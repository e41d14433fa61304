using System.Runtime.InteropServices;

namespace HiPortal.Server.Inference;

/// <summary>
/// The OS thread one worker runs its model executions on, one batch at a time, at a lower CPU priority than the request
/// path (Linux nice, <see cref="InferenceOptions.ExecutionNice"/>). On a CPU the model is the work that can wait: with
/// the cores saturated, the scheduler then runs what answers a request (a deadline's 503, a stored answer, a body
/// read) as soon as it is runnable instead of sharing the core evenly with a batch that takes tens of milliseconds.
/// The model still gets every cycle the request path leaves. A thread's nice can always be raised by its own
/// process (lowering it needs privilege), which is why the executions get a thread of their own instead of changing
/// a thread-pool thread's priority and back.
/// </summary>
internal sealed class ExecutionThread : IDisposable
{
    private const int PrioProcess = 0;

    private readonly SemaphoreSlim _ready = new(0);
    private readonly Thread _thread;
    private readonly int _nice;
    private Action? _work;
    private TaskCompletionSource? _done;
    private volatile bool _stopping;

    public ExecutionThread(string name, int nice)
    {
        _nice = nice;
        _thread = new Thread(Loop) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Runs <paramref name="work"/> on the execution thread; one at a time (the worker awaits each before the next).</summary>
    public Task RunAsync(Action work)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _done = done;
        Volatile.Write(ref _work, work);
        _ready.Release();
        return done.Task;
    }

    private void Loop()
    {
        if (_nice > 0 && OperatingSystem.IsLinux())
        {
            // PRIO_PROCESS with a thread id sets that thread's nice alone (Linux); a failure leaves the normal priority,
            // which ExecutionNiceTests would see in /proc.
            _ = SetPriority(PrioProcess, GetTid(), _nice);
        }

        while (true)
        {
            _ready.Wait();
            if (_stopping)
            {
                return;
            }

            var (work, done) = (Volatile.Read(ref _work)!, _done!);
            try
            {
                work();
                done.SetResult();
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _ready.Release();
    }

#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "setpriority")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SetPriority(int which, int who, int priority);

    [DllImport("libc", EntryPoint = "gettid")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int GetTid();
#pragma warning restore SYSLIB1054
}
