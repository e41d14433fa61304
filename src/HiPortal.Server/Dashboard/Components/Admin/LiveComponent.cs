using Microsoft.AspNetCore.Components;

namespace HiPortal.Server.Dashboard.Components.Admin;

/// <summary>
/// A component whose controls work only once the circuit has taken over from the prerendered page: a click or typing
/// before then is lost when the page is replaced, so its admin controls are disabled until <see cref="Live"/>.
/// </summary>
public abstract class LiveComponent : ComponentBase
{
    protected bool Live { get; private set; }

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender)
        {
            Live = true;
            StateHasChanged();
        }
    }
}
