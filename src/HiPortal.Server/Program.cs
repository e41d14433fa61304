using HiPortal.Server;
using HiPortal.Server.Devices;
using HiPortal.Server.Identity;
using HiPortal.Server.Inference;
using HiPortal.Server.Ingest;
using HiPortal.Server.Observability;
using HiPortal.Server.OpenInference;
using HiPortal.Server.Persistence;

var builder = WebApplication.CreateBuilder(HostSetup.Options(args));
builder.AddHosting();
builder.AddPersistence();
builder.AddIdentityFeature();
builder.AddInference();
builder.AddObservability();

var app = builder.Build();
await app.MigrateDatabaseAsync();
await app.EnsureAdminAsync();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();

app.MapObservability();
app.MapAuthApi();
app.MapDevicesApi();
app.MapIngestApi();
app.MapOpenInference();

app.Run();
