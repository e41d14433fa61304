using System.Net;
using HiPortal.Server.Tests.Models;

namespace HiPortal.Server.Tests;

/// <summary>
/// Admin changes sent at the same moment keep the rules one at a time would: each check-then-write runs in one write
/// transaction, so concurrent requests are answered 409 or 404 (never 500) and never leave a state the rules forbid.
/// </summary>
public sealed class ConcurrentAdminTests(ServerFixture server) : IClassFixture<ServerFixture>, IAsyncLifetime
{
    private const int Burst = 8;

    /// <summary>What <see cref="AllAtOnceAsync"/> reports for a call the server answered with success.</summary>
    private const HttpStatusCode Succeeded = HttpStatusCode.OK;

    private HiPortalClient _admin = null!;

    public async Task InitializeAsync() => _admin = await server.App.CreateAdminAsync();

    public Task DisposeAsync()
    {
        _admin.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task CreatingOneFleetNameInSeveralCasesAtOnce_CreatesOne_AndAnswersTheRest409()
    {
        var name = Samples.Unique("race-fleet");
        var spellings = Enumerable.Range(0, Burst).Select(i => (i % 3) switch
        {
            0 => name,
            1 => name.ToUpperInvariant(),
            _ => char.ToUpperInvariant(name[0]) + name[1..],
        }).ToList();

        var statuses = await AllAtOnceAsync(spellings.Select(s => (Func<Task>)(() => _admin.CreateFleetAsync(s))));

        Assert.Equal(1, statuses.Count(s => s == Succeeded));
        Assert.All(statuses.Where(s => s != Succeeded), s => Assert.Equal(HttpStatusCode.Conflict, s));
        var fleets = (await _admin.ListFleetsAsync()).EnumerateArray()
            .Select(f => f.GetProperty("name").GetString()!).Where(n => n.Equals(name, StringComparison.OrdinalIgnoreCase));
        Assert.Single(fleets);
    }

    [Fact]
    public async Task RotatingOneDevicesKeyAtOnce_AddsOneKey_AndAnswersTheRest409()
    {
        var fleet = Samples.Unique("race-keys");
        await _admin.CreateFleetAsync(fleet);
        var device = await _admin.RegisterDeviceAsync("rotating", fleet);

        var statuses = await AllAtOnceAsync(Enumerable.Range(0, Burst).Select(_ => (Func<Task>)(() => _admin.RotateKeyAsync(device.DeviceId))));

        // It had one key; at most two may be valid at once.
        Assert.Equal(1, statuses.Count(s => s == Succeeded));
        Assert.Equal(Burst - 1, statuses.Count(s => s == HttpStatusCode.Conflict));
    }

    [Fact]
    public async Task StartingRolloutsOnOneFleetAtOnce_StartsOne_AndAnswersTheRest409()
    {
        var fleet = Samples.Unique("race-rollout");
        await _admin.CreateFleetAsync(fleet);
        await _admin.RegisterDeviceAsync("staged", fleet);

        var statuses = await AllAtOnceAsync(Enumerable.Range(0, Burst).Select(i => (Func<Task>)(() =>
            _admin.CreateRolloutAsync(new CreateRolloutRequest(fleet, Threshold: 0.5 + (i / 100.0))))));

        Assert.Equal(1, statuses.Count(s => s == Succeeded));
        Assert.Equal(Burst - 1, statuses.Count(s => s == HttpStatusCode.Conflict));
        var active = (await _admin.ListRolloutsAsync($"?fleet={fleet}&state=running")).EnumerateArray().Count();
        Assert.Equal(1, active);
    }

    [Fact]
    public async Task DeletingOneModelVersionAtOnce_DeletesIt_AndAnswersTheRest404()
    {
        using var model = new TestModel("race-delete", "1.0.0", seed: 51, hidden: 0);
        await _admin.RegisterModelAsync(model.Bytes, model.CardJson);

        var statuses = await AllAtOnceAsync(Enumerable.Range(0, Burst).Select(_ => (Func<Task>)(() => _admin.DeleteModelAsync("race-delete", "1.0.0"))));

        Assert.Equal(1, statuses.Count(s => s == Succeeded));
        Assert.Equal(Burst - 1, statuses.Count(s => s == HttpStatusCode.NotFound));
        Assert.DoesNotContain(await _admin.ListModelsAsync(), m => m.Name == "race-delete");
    }

    [Fact]
    public async Task SwitchingAFleetToAVersionWhileItIsDeleted_EitherWins_AndTheFleetNeverNamesADeletedVersion()
    {
        using var tiny = new TestModel("race-tiny", "1.0.0", seed: 52, hidden: 0);
        using var v1 = new TestModel("race-large", "1.0.0", seed: 53, hidden: 8);
        var fleet = Samples.Unique("race-switch");
        await TestModel.CreateFleetAsync(_admin, fleet, tiny, v1);
        for (var round = 2; round <= 5; round++)
        {
            using var next = new TestModel("race-large", $"{round}.0.0", seed: 53 + round, hidden: 8);
            await _admin.RegisterModelAsync(next.Bytes, next.CardJson);

            var statuses = await AllAtOnceAsync(
            [
                () => _admin.SetFleetModelsAsync(fleet, new FleetModelsRequest(Large: next.Reference)),
                () => _admin.DeleteModelAsync(next.Card.Name, next.Card.Version),
            ]);

            // The switch first: the version is in use and stays. The deletion first: the switch is refused.
            Assert.Contains((statuses[0], statuses[1]), new[] { (Succeeded, HttpStatusCode.Conflict), (HttpStatusCode.BadRequest, Succeeded) });
            var large = (await _admin.GetFleetAsync(fleet)).GetProperty("largeModel").GetString();
            Assert.Contains(await _admin.ListModelsAsync(), m => $"{m.Name}@{m.Version}" == large);
        }
    }

    /// <summary>Starts every call before awaiting any; each one's status, any success (200, 201, 204) as <see cref="Succeeded"/>.</summary>
    private static async Task<HttpStatusCode[]> AllAtOnceAsync(IEnumerable<Func<Task>> calls)
    {
        var started = calls.Select(async call =>
        {
            try
            {
                await call();
                return Succeeded;
            }
            catch (HiPortalApiException ex)
            {
                return ex.Status;
            }
        }).ToList();
        return await Task.WhenAll(started);
    }
}
