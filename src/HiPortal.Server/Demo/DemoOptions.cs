using System.ComponentModel.DataAnnotations;

namespace HiPortal.Server.Demo;

/// <summary>The in-process demo fleets: on by default in Development, off elsewhere unless <c>Demo:Enabled</c>.</summary>
public sealed class DemoOptions
{
    public const string Section = "Demo";

    public bool? Enabled { get; set; }

    /// <summary>Devices per demo fleet (a fleet's own <see cref="DemoFleetOptions.Devices"/> wins).</summary>
    [Range(0, 1000)]
    public int Devices { get; set; } = 8;

    /// <summary>Samples per second per device.</summary>
    [Range(0.1, 100)]
    public double Rate { get; set; } = 4;

    /// <summary>
    /// The demo fleets by name, each with its pair and its data: Fashion-MNIST images (<c>demo</c>) and the simulated
    /// bearing vibration (<c>vibration</c>). Configuration adds fleets or changes these (<c>Demo:Fleets:vibration:Devices=0</c>
    /// turns one off).
    /// </summary>
    public Dictionary<string, DemoFleetOptions> Fleets { get; set; } = new()
    {
        ["demo"] = new DemoFleetOptions { Tiny = "fashion-tiny@1.0.0", Large = "fashion-large@1.0.0", Data = DemoFleetOptions.FashionMnist },
        ["vibration"] = new DemoFleetOptions
        {
            Tiny = "vibration-tiny@1.0.0",
            Large = "vibration-large@1.0.0",
            Data = "models/demo/vibration-test.npz",
            Devices = 4,
            // θ chosen on the calibration split (README, Models): ~29 % offload within a point of the large model.
            Threshold = 0.72,
        },
    };
}

/// <summary>One demo fleet: the pair it runs and the labelled samples its simulated sensors replay.</summary>
public sealed class DemoFleetOptions
{
    /// <summary>Debian's Fashion-MNIST test set when installed, else the 1,000 images bundled in models/demo.</summary>
    public const string FashionMnist = "fashion-mnist";

    [Required]
    public string Tiny { get; set; } = "";

    [Required]
    public string Large { get; set; } = "";

    /// <summary><see cref="FashionMnist"/>, or a .npz/.npy/IDX file relative to the program's folder.</summary>
    [Required]
    public string Data { get; set; } = FashionMnist;

    [Range(0, 1000)]
    public int? Devices { get; set; }

    /// <summary>The fleet's θ when the demo creates it; empty = the fleet default.</summary>
    [Range(0.0, 1.0)]
    public double? Threshold { get; set; }
}
