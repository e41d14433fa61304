namespace HiPortal.Core.Inference;

public enum ExecutionProvider
{
    Cpu,
    Cuda,
}
