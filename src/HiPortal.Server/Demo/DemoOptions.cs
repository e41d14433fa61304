using System.ComponentModel.DataAnnotations;

namespace HiPortal.Server.Demo;

/// <summary>The in-process demo fleet: on by default in Development, off elsewhere unless <c>Demo:Enabled</c>.</summary>
public sealed class DemoOptions
{
    public const string Section = "Demo";

    public bool? Enabled { get; set; }

    [Range(1, 1000)]
    public int Devices { get; set; } = 8;

    /// <summary>Samples per second per device.</summary>
    [Range(0.1, 100)]
    public double Rate { get; set; } = 4;

    [Required]
    public string Fleet { get; set; } = "demo";
}
