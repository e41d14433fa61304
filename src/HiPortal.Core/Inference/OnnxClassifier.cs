using Microsoft.ML.OnnxRuntime;

namespace HiPortal.Core.Inference;

/// <summary>
/// One ONNX Runtime session for a classifier described by a <see cref="ModelCard"/>: input <c>[N, …sample]</c> FP32
/// (the card's preprocessing already applied), output <c>[N, classes]</c>. Loading cross-checks the graph with the card
/// and refuses a mismatch naming the card field. Built once; <see cref="Run"/> is thread-safe and allocates no tensors
/// of its own: it wraps the caller's (ideally pinned, pooled) buffers in <see cref="OrtValue"/>s.
/// </summary>
public sealed class OnnxClassifier : IDisposable
{
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();

    private OnnxClassifier(InferenceSession session, string path, ExecutionProvider provider, ModelSignature signature)
    {
        _session = session;
        Path = path;
        Provider = provider;
        Signature = signature;
        _inputNames = [signature.InputName];
        _outputNames = [signature.OutputName];
    }

    public string Path { get; }

    public ExecutionProvider Provider { get; }

    public ModelSignature Signature { get; }

    public ModelCard Card => Signature.Card;

    /// <summary>Loads a model whose card lies beside it (<c>card.json</c> in the same directory).</summary>
    public static OnnxClassifier Load(string path, ExecutionProvider provider = ExecutionProvider.Cpu,
        int deviceId = 0, int intraOpThreads = 0, bool allowSpinning = true) =>
        Load(path, ModelCard.Load(ModelLayout.CardPath(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!)),
            provider, deviceId, intraOpThreads, allowSpinning);

    /// <summary>Loads <paramref name="path"/> and checks its graph against <paramref name="card"/>.</summary>
    /// <exception cref="ModelCardException">The file is not a loadable ONNX model, or its graph and the card disagree.</exception>
    public static OnnxClassifier Load(string path, ModelCard card, ExecutionProvider provider = ExecutionProvider.Cpu,
        int deviceId = 0, int intraOpThreads = 0, bool allowSpinning = true)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"ONNX model not found: {path}", path);
        }

        var signature = ModelSignature.Create(card);
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

        InferenceSession session;
        try
        {
            session = new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelCardException("model", $"ONNX Runtime cannot load the file ({ex.Message})");
        }

        try
        {
            GraphCheck.Verify(session, signature);
        }
        catch
        {
            session.Dispose();
            throw;
        }

        return new OnnxClassifier(session, path, provider, signature);
    }

    /// <summary>Runs <paramref name="batch"/> samples from <paramref name="input"/> (batch × sample length) into
    /// <paramref name="scores"/> (batch × classes).</summary>
    public void Run(Memory<float> input, int batch, Memory<float> scores)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        var (length, classes) = (Signature.SampleLength, Signature.ClassCount);
        if (input.Length < batch * length || scores.Length < batch * classes)
        {
            throw new ArgumentException($"buffers too small for a batch of {batch}");
        }

        using var inputValue = OrtValue.CreateTensorValueFromMemory(
            OrtMemoryInfo.DefaultInstance, input[..(batch * length)], Signature.InputShape(batch));
        using var outputValue = OrtValue.CreateTensorValueFromMemory(
            OrtMemoryInfo.DefaultInstance, scores[..(batch * classes)], [batch, classes]);
        _session.Run(_runOptions, _inputNames, [inputValue], _outputNames, [outputValue]);
    }

    /// <summary>Runs every batch size in <paramref name="sizes"/> once, so first requests do not pay for ONNX
    /// Runtime's per-shape set-up.</summary>
    public void Warm(IEnumerable<int> sizes)
    {
        var list = sizes.ToList();
        var max = list.Max();
        var input = GC.AllocateArray<float>(max * Signature.SampleLength, pinned: true);
        var output = GC.AllocateArray<float>(max * Signature.ClassCount, pinned: true);
        foreach (var batch in list)
        {
            Run(input, batch, output);
        }
    }

    /// <summary>Convenience for tools: scores of many samples, run in chunks of <paramref name="batchSize"/>.</summary>
    public float[] RunAll(ReadOnlySpan<float> inputs, int batchSize = 256, Action<int>? progress = null)
    {
        var (length, classes) = (Signature.SampleLength, Signature.ClassCount);
        var count = inputs.Length / length;
        var logits = new float[count * classes];
        var inputBuffer = GC.AllocateArray<float>(batchSize * length, pinned: true);
        var outputBuffer = GC.AllocateArray<float>(batchSize * classes, pinned: true);
        for (var start = 0; start < count; start += batchSize)
        {
            var n = Math.Min(batchSize, count - start);
            inputs.Slice(start * length, n * length).CopyTo(inputBuffer);
            Run(inputBuffer, n, outputBuffer);
            outputBuffer.AsSpan(0, n * classes).CopyTo(logits.AsSpan(start * classes));
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
