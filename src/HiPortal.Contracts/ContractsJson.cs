using System.Text.Json;
using System.Text.Json.Serialization;

namespace HiPortal.Contracts;

/// <summary>
/// Source-generated JSON for the contract (web defaults: camelCase, case-insensitive reads). Unknown members are
/// skipped so an older client keeps working against a newer server. Numbers must be JSON numbers: the web defaults
/// would also read "0.5" as 0.5, which hides a client's bug.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, AllowTrailingCommas = false, UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(OffloadRequest))]
[JsonSerializable(typeof(OffloadResponse))]
[JsonSerializable(typeof(OffloadBatchRequest))]
[JsonSerializable(typeof(OffloadBatchResponse))]
[JsonSerializable(typeof(TelemetryBatch))]
[JsonSerializable(typeof(TelemetryResponse))]
[JsonSerializable(typeof(EffectiveConfigResponse))]
[JsonSerializable(typeof(ConfigAck))]
[JsonSerializable(typeof(AckResponse))]
[JsonSerializable(typeof(ConfigChange))]
[JsonSerializable(typeof(TokenRequest))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(CreateDeviceRequest))]
[JsonSerializable(typeof(CreatedDevice))]
[JsonSerializable(typeof(RotatedKey))]
[JsonSerializable(typeof(CreateFleetRequest))]
[JsonSerializable(typeof(FleetSettingsRequest))]
[JsonSerializable(typeof(CreateUserRequest))]
[JsonSerializable(typeof(SetRoleRequest))]
[JsonSerializable(typeof(SetPasswordRequest))]
[JsonSerializable(typeof(SetDisabledRequest))]
[JsonSerializable(typeof(UserView))]
[JsonSerializable(typeof(Problem))]
[JsonSerializable(typeof(ModelVersionView))]
[JsonSerializable(typeof(List<ModelVersionView>))]
[JsonSerializable(typeof(FleetModelsRequest))]
[JsonSerializable(typeof(FleetModels))]
[JsonSerializable(typeof(TinyModelRef))]
public sealed partial class ContractsJson : JsonSerializerContext;
