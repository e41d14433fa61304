using System.Globalization;
using Bunit;
using MudBlazor.Services;

namespace HiPortal.Dashboard.Tests.Components;

/// <summary>
/// The one bUnit setup the component tests share: MudBlazor's services and loose JS interop (MudBlazor calls JS
/// that bUnit need not answer). Dispose it with <c>await using</c>: MudBlazor's services are only IAsyncDisposable.
/// Figures are formatted in the invariant culture, so a test can name the text it expects.
/// </summary>
public static class ComponentContext
{
    public static BunitContext Create()
    {
        // Set in this synchronous method, the culture stays with the calling test (an async method would restore it).
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var ctx = new BunitContext();
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
        return ctx;
    }
}
