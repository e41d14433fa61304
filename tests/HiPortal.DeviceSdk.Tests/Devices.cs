namespace HiPortal.DeviceSdk.Tests;

/// <summary>Builds SDK clients for the tests: the shared tiny model, short timeouts, no real waits unless asked.</summary>
public static class Devices
{
    public static HiDeviceClient Create(HiPortalHost app, CreatedDevice device, HttpMessageHandler? network = null,
        TimeProvider? time = null, double initialThreshold = 0.65, int maxRetries = 3, int bufferCapacity = 16,
        bool longPoll = false, int batchSize = 1, TimeSpan? batchDelay = null) =>
        new(new HiDeviceOptions
        {
            ServerUri = app.HttpAddress,
            DeviceKey = device.Key,
            Model = TinyReference.Model,
            HttpMessageHandler = network,
            TimeProvider = time ?? TimeProvider.System,
            InitialThreshold = initialThreshold,
            MaxRetries = maxRetries,
            OfflineBufferCapacity = bufferCapacity,
            RetryBaseDelay = TimeSpan.FromMilliseconds(20),
            MaxRetryDelay = TimeSpan.FromSeconds(5),
            RequestTimeout = TimeSpan.FromSeconds(10),
            LongPollConfiguration = longPoll,
            OffloadBatchSize = batchSize,
            OffloadBatchDelay = batchDelay ?? TimeSpan.FromMilliseconds(10),
        });
}
