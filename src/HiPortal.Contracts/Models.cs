namespace HiPortal.Contracts;

/// <summary>One registered model version, as <c>GET /api/v1/admin/models</c> lists it.</summary>
/// <param name="UsedBy">Where it serves: <c>fleet:tiny</c> or <c>fleet:large</c> for each fleet that names it.</param>
public sealed record ModelVersionView(
    string Name,
    string Version,
    string Sha256,
    long Bytes,
    string Task,
    string Datatype,
    IReadOnlyList<long> InputShape,
    IReadOnlyList<string> ClassNames,
    long Parameters,
    IReadOnlyDictionary<string, double> Accuracy,
    bool Simulated,
    DateTimeOffset RegisteredAt,
    string RegisteredBy,
    IReadOnlyList<string> UsedBy,
    bool Loaded);

/// <summary><c>PUT /api/v1/admin/fleets/{name}/models</c>: the pair a fleet runs, each <c>name@version</c>; a missing one stays.</summary>
public sealed record FleetModelsRequest(string? Tiny = null, string? Large = null, string? Reason = null);

/// <summary>A fleet's pair: <c>tiny</c> what its devices run, <c>large</c> what answers their offloads.</summary>
public sealed record FleetModels(string Tiny, string Large);

/// <summary>The tiny model a device should run: fetch it from <see cref="Url"/>, check <see cref="Sha256"/>, switch, ack.</summary>
public sealed record TinyModelRef(string Name, string Version, string Sha256, long Bytes, string Url);
