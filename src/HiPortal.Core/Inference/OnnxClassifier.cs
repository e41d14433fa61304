using Microsoft.ML.OnnxRuntime;

namespace HiPortal.Core.Inference;

/// <summary>
/// One ONNX Runtime session for a Fashion-MNIST classifier (input <c>input</c> [N,1,28,28] float32 in [0,1],
/// output <c>logits</c> [N,10]). Built once; <see cref="Run"/> is thread-safe and allocates no tensors of its
/// own: it wraps the caller's (ideally pinned, pooled) buffers in <see cref="OrtValue"/>s.
/// </summary>
public sealed class OnnxClassifier : IDisposable
{
    // The model's input size is declared here once; the wire codec, the data sets and the servers derive from it.
    public const int InputHeight = 28;
    public const int InputWidth = 28;
    public const int InputLength = InputHeight * InputWidth;
    public const int ClassCount = 10;

    private static readonly string[] s_inputNames = ["input"];
    private static readonly string[] s_outputNames = ["logits"];
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();

    private OnnxClassifier(InferenceSession session, string path, ExecutionProvider provider)
    {
        _session = session;
        Path = path;
        Provider = provider;
        if (!session.InputMetadata.ContainsKey("input") || !session.OutputMetadata.ContainsKey("logits"))
        {
            throw new InvalidOperationException($"{path}: expected input 'input' and output 'logits'");
        }
    }

    public string Path { get; }

    public ExecutionProvider Provider { get; }

    public static OnnxClassifier Load(string path, ExecutionProvider provider = ExecutionProvider.Cpu,
        int deviceId = 0, int intraOpThreads = 0, bool allowSpinning = true)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"ONNX model not found: {path}", path);
        }

        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        // Spinning intra-op threads cut latency when the model owns the CPU, but steal cycles from request
        // handling when it shares the cores with a web server.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", allowSpinning ? "1" : "0");
        if (intraOpThreads > 0)
        {
            options.IntraOpNumThreads = intraOpThreads;
        }

        if (provider == ExecutionProvider.Cuda)
        {
            try
            {
                options.AppendExecutionProvider_CUDA(deviceId);
            }
            catch (Exception ex) when (ex is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
            {
                throw new InvalidOperationException(
                    "The CUDA execution provider could not be loaded. Build with -p:OnnxRuntimeGpu=true and make " +
                    $"sure CUDA 12/13 and cuDNN 9 libraries are on LD_LIBRARY_PATH. ({ex.Message})", ex);
            }
        }

        return new OnnxClassifier(new InferenceSession(path, options), path, provider);
    }

    /// <summary>Runs <paramref name="batch"/> samples from <paramref name="input"/> (batch × input length) into
    /// <paramref name="logits"/> (batch x 10).</summary>
    public void Run(Memory<float> input, int batch, Memory<float> logits)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        if (input.Length < batch * InputLength || logits.Length < batch * ClassCount)
        {
            throw new ArgumentException($"buffers too small for a batch of {batch}");
        }

        using var inputValue = OrtValue.CreateTensorValueFromMemory(
            OrtMemoryInfo.DefaultInstance, input[..(batch * InputLength)], [batch, 1, InputHeight, InputWidth]);
        using var outputValue = OrtValue.CreateTensorValueFromMemory(
            OrtMemoryInfo.DefaultInstance, logits[..(batch * ClassCount)], [batch, ClassCount]);
        _session.Run(_runOptions, s_inputNames, [inputValue], s_outputNames, [outputValue]);
    }

    /// <summary>Convenience for tools: logits of many samples, run in chunks of <paramref name="batchSize"/>.</summary>
    public float[] RunAll(ReadOnlySpan<float> inputs, int batchSize = 256, Action<int>? progress = null)
    {
        var count = inputs.Length / InputLength;
        var logits = new float[count * ClassCount];
        var inputBuffer = GC.AllocateArray<float>(batchSize * InputLength, pinned: true);
        var outputBuffer = GC.AllocateArray<float>(batchSize * ClassCount, pinned: true);
        for (var start = 0; start < count; start += batchSize)
        {
            var n = Math.Min(batchSize, count - start);
            inputs.Slice(start * InputLength, n * InputLength).CopyTo(inputBuffer);
            Run(inputBuffer, n, outputBuffer);
            outputBuffer.AsSpan(0, n * ClassCount).CopyTo(logits.AsSpan(start * ClassCount));
            progress?.Invoke(n);
        }

        return logits;
    }

    public void Dispose()
    {
        _runOptions.Dispose();
        _session.Dispose();
    }
}
