namespace HiPortal.Server.Inference;

/// <summary>
/// Awaited by the worker just before each model execution, inside the batch's running time: none is registered in
/// production. A test registers one to hold a batch mid-run (a model as slow as it wants, on cue) and so shows what the
/// server does while a batch runs.
/// </summary>
public interface IBatchGate
{
    ValueTask BeforeRunAsync(ServedModel model, int batchSize);
}
