using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;

namespace HiPortal.Server.Identity;

/// <summary>
/// A Blazor circuit keeps the principal its first request had for as long as the tab is open, so the cookie check
/// alone would leave a demoted or disabled admin their powers in an open dashboard. This provider re-checks the
/// circuit's user when that user changes on this server (at once) and every <see cref="UserSessions.Lifetime"/>
/// (changes made by another server), and replaces or drops the principal accordingly.
/// </summary>
public sealed class CircuitAuthenticationState : ServerAuthenticationStateProvider, IDisposable
{
    private static readonly ClaimsPrincipal s_anonymous = new(new ClaimsIdentity());
    private readonly UserSessions _users;
    private readonly ILogger<CircuitAuthenticationState> _logger;
    private readonly ITimer _timer;

    public CircuitAuthenticationState(UserSessions users, TimeProvider time, ILogger<CircuitAuthenticationState> logger)
    {
        _users = users;
        _logger = logger;
        _users.Changed += OnUserChanged;
        _timer = time.CreateTimer(_ => _ = RevalidateAsync(), null, UserSessions.Lifetime, UserSessions.Lifetime);
    }

    private void OnUserChanged(int userId) => _ = RevalidateAsync(userId);

    private async Task RevalidateAsync(int? changedUser = null)
    {
        try
        {
            var state = await GetAuthenticationStateAsync();
            if (state.User.Identity?.IsAuthenticated != true ||
                (changedUser is { } id && state.User.FindFirstValue(ClaimTypes.NameIdentifier) != id.ToString(CultureInfo.InvariantCulture)))
            {
                return;
            }

            var current = await _users.RevalidateAsync(state.User, IdentityExtensions.CookieScheme, CancellationToken.None) ?? s_anonymous;
            if (current.FindFirstValue(ClaimTypes.Role) != state.User.FindFirstValue(ClaimTypes.Role))
            {
                SetAuthenticationState(Task.FromResult(new AuthenticationState(current)));
            }
        }
        catch (InvalidOperationException)
        {
            // No state yet: the circuit (or prerender) has not been given its user; nothing to re-check.
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Could not re-check the dashboard user");
        }
    }

    public void Dispose()
    {
        _users.Changed -= OnUserChanged;
        _timer.Dispose();
    }
}
