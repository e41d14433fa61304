using System.Globalization;
using Bunit;
using MudBlazor.Interop;
using MudBlazor.Services;

namespace HiPortal.Dashboard.Tests.Components;

/// <summary>
/// The one bUnit setup the component tests share: MudBlazor's services and loose JS interop (MudBlazor calls JS
/// that bUnit need not answer). Dispose it with <c>await using</c>: MudBlazor's services are only IAsyncDisposable.
/// Figures are formatted in the invariant culture, so a test can name the text it expects. MudBlazor's axis charts
/// draw their series only once the browser has measured the axis labels (mudGetSvgBBox): bUnit answers with a size.
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
        ctx.JSInterop.Setup<ElementSize>("mudGetSvgBBox", _ => true).SetResult(new ElementSize { Width = 40, Height = 14 });
        return ctx;
    }
}
