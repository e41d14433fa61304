using HiPortal.Server;
using HiPortal.Server.Advice;
using HiPortal.Server.Alarms;
using HiPortal.Server.Audit;
using HiPortal.Server.Dashboard;
using HiPortal.Server.Demo;
using HiPortal.Server.Devices;
using HiPortal.Server.Fleets;
using HiPortal.Server.Identity;
using HiPortal.Server.Inference;
using HiPortal.Server.Ingest;
using HiPortal.Server.Live;
using HiPortal.Server.Models;
using HiPortal.Server.Observability;
using HiPortal.Server.OpenApi;
using HiPortal.Server.OpenInference;
using HiPortal.Server.OpenInference.Grpc;
using HiPortal.Server.Persistence;
using HiPortal.Server.Presence;
using HiPortal.Server.Problems;
using HiPortal.Server.RateLimiting;
using HiPortal.Server.RemoteConfig;
using HiPortal.Server.Retention;
using HiPortal.Server.Rollouts;
using HiPortal.Server.ScaleOut;
using HiPortal.Server.Stats;
using HiPortal.Server.Telemetry;

var builder = WebApplication.CreateBuilder(HostSetup.Options(args));
builder.AddHosting();
builder.AddProblems();
builder.AddPersistence();
builder.AddIdentityFeature();
builder.AddRateLimits();
builder.AddAudit();
builder.AddFleets();
builder.AddDevices();
builder.AddRemoteConfig();
builder.AddRollouts();
builder.AddPresence();
builder.AddAdvice();
builder.AddIngest(); // before AddInference: the decision writer stops after the worker
builder.AddBatchIngest();
builder.AddInference();
builder.AddGrpcInference();
builder.AddObservability();
builder.AddTelemetry();
builder.AddRetention();
builder.AddStats();
builder.AddLive();
builder.AddAlarms(); // after AddLive: alarms go to the live hub
builder.AddScaleOut(); // after AddLive: the SignalR backplane and the snapshot lease
builder.AddDashboard();
builder.AddApiDocs();
builder.AddDemoFleet();

var app = builder.Build();
await using (await app.LockDatabaseStartupAsync())
{
    await app.MigrateDatabaseAsync();
    await app.EnsureAdminAsync();
}

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseUtf8JsonBodies();
app.UseAuthentication();
app.UseRequestBodyLimits();
app.UseCallerRateLimits();
app.UseAuthorization();
app.UseAntiforgery();
app.UseAntiforgeryProblems();

app.MapObservability();
app.MapAuthApi();
app.MapUsersApi();
app.MapFleetsApi();
app.MapDevicesApi();
app.MapConfigApi();
app.MapRolloutsApi();
app.MapAdviceApi();
app.MapAuditApi();
app.MapIngestApi();
app.MapBatchIngestApi();
app.MapTelemetryApi();
app.MapStatsApi();
app.MapDecisionsApi();
app.MapOpenInference();
app.MapGrpcInference();
app.MapModelsApi();
app.MapAlarmsApi();
app.MapApiDocs();
app.MapLive();
app.MapDashboard();

app.Run();
