using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace HiPortal.Server.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Audit",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    At = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Actor = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Action = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Scope = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Target = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    OldValue = table.Column<string>(type: "text", nullable: true),
                    NewValue = table.Column<string>(type: "text", nullable: true),
                    Reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Audit", x => x.Id);
                });

            // The audit log is append-only, as on SQLite (Audit_NoUpdate / Audit_NoDelete there): rows can be added,
            // never changed, deleted or truncated, whatever the client.
            migrationBuilder.Sql("""
                CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
                CREATE TRIGGER "Audit_NoUpdate" BEFORE UPDATE ON "Audit" FOR EACH ROW EXECUTE FUNCTION audit_append_only();
                CREATE TRIGGER "Audit_NoDelete" BEFORE DELETE ON "Audit" FOR EACH ROW EXECUTE FUNCTION audit_append_only();
                CREATE TRIGGER "Audit_NoTruncate" BEFORE TRUNCATE ON "Audit" FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
                """);

            migrationBuilder.CreateTable(
                name: "ConfigEvents",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    DeviceId = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Version = table.Column<long>(type: "bigint", nullable: false),
                    At = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Detail = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ConfigEvents", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Fleets",
                columns: table => new
                {
                    Name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    RateLimitPerSecond = table.Column<double>(type: "double precision", nullable: false),
                    RateLimitBurst = table.Column<int>(type: "integer", nullable: false),
                    DeviceProfile = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    AutoThreshold = table.Column<bool>(type: "boolean", nullable: false),
                    AutoThresholdMin = table.Column<double>(type: "double precision", nullable: false),
                    AutoThresholdMax = table.Column<double>(type: "double precision", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    TinyModel = table.Column<string>(type: "character varying(129)", maxLength: 129, nullable: false, defaultValue: "fashion-tiny@1.0.0"),
                    LargeModel = table.Column<string>(type: "character varying(129)", maxLength: 129, nullable: false, defaultValue: "fashion-large@1.0.0"),
                    LrBias = table.Column<double>(type: "double precision", nullable: true),
                    LrW1 = table.Column<double>(type: "double precision", nullable: true),
                    LrW2 = table.Column<double>(type: "double precision", nullable: true),
                    Rule = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    TelemetryIntervalSeconds = table.Column<int>(type: "integer", nullable: false),
                    Threshold = table.Column<double>(type: "double precision", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Fleets", x => x.Name);
                });

            migrationBuilder.CreateTable(
                name: "ModelVersions",
                columns: table => new
                {
                    Name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Version = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Bytes = table.Column<long>(type: "bigint", nullable: false),
                    CardJson = table.Column<string>(type: "text", nullable: false),
                    RegisteredAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    RegisteredBy = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Source = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ModelVersions", x => new { x.Name, x.Version });
                });

            migrationBuilder.CreateTable(
                name: "Telemetry",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    DeviceId = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Fleet = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Sequence = table.Column<long>(type: "bigint", nullable: false),
                    PeriodStartMs = table.Column<long>(type: "bigint", nullable: false),
                    PeriodEndMs = table.Column<long>(type: "bigint", nullable: false),
                    ReceivedAtMs = table.Column<long>(type: "bigint", nullable: false),
                    Samples = table.Column<long>(type: "bigint", nullable: false),
                    DecidedLocally = table.Column<long>(type: "bigint", nullable: false),
                    Offloaded = table.Column<long>(type: "bigint", nullable: false),
                    LocalInferenceMicros = table.Column<long>(type: "bigint", nullable: false),
                    BytesSent = table.Column<long>(type: "bigint", nullable: false),
                    OffloadRttMicrosSum = table.Column<long>(type: "bigint", nullable: false),
                    OffloadRttCount = table.Column<long>(type: "bigint", nullable: false),
                    EnergyJoules = table.Column<double>(type: "double precision", nullable: false),
                    Dropped = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Telemetry", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Users",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Username = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    PasswordHash = table.Column<string>(type: "text", nullable: false),
                    Role = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    SecurityStamp = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Disabled = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Users", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Devices",
                columns: table => new
                {
                    Id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Name = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    Fleet = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    RevokedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    ConfigVersion = table.Column<long>(type: "bigint", nullable: false),
                    ReportedVersion = table.Column<long>(type: "bigint", nullable: true),
                    ReportedStatus = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    ReportedMessage = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    ReportedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    LastSeenAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    LastTelemetrySequence = table.Column<long>(type: "bigint", nullable: true),
                    TelemetryGaps = table.Column<long>(type: "bigint", nullable: false),
                    TelemetryDuplicates = table.Column<long>(type: "bigint", nullable: false),
                    OverrideLrBias = table.Column<double>(type: "double precision", nullable: true),
                    OverrideLrW1 = table.Column<double>(type: "double precision", nullable: true),
                    OverrideLrW2 = table.Column<double>(type: "double precision", nullable: true),
                    OverrideRule = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    OverrideTelemetryIntervalSeconds = table.Column<int>(type: "integer", nullable: true),
                    OverrideThreshold = table.Column<double>(type: "double precision", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Devices", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Devices_Fleets_Fleet",
                        column: x => x.Fleet,
                        principalTable: "Fleets",
                        principalColumn: "Name",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "Decisions",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    DeviceId = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Fleet = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    SampleId = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    PayloadHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    ReceivedAtMs = table.Column<long>(type: "bigint", nullable: false),
                    CapturedAtMs = table.Column<long>(type: "bigint", nullable: true),
                    LocalClass = table.Column<int>(type: "integer", nullable: false),
                    LocalConfidence = table.Column<double>(type: "double precision", nullable: false),
                    LocalInferenceMicros = table.Column<long>(type: "bigint", nullable: true),
                    ServerClass = table.Column<int>(type: "integer", nullable: false),
                    ServerConfidence = table.Column<double>(type: "double precision", nullable: false),
                    Probabilities = table.Column<byte[]>(type: "bytea", nullable: false),
                    Agrees = table.Column<bool>(type: "boolean", nullable: false),
                    Label = table.Column<int>(type: "integer", nullable: true),
                    InputBytes = table.Column<int>(type: "integer", nullable: false),
                    QueueMicros = table.Column<long>(type: "bigint", nullable: false),
                    InferenceMicros = table.Column<long>(type: "bigint", nullable: false),
                    BatchSize = table.Column<int>(type: "integer", nullable: false),
                    ModelName = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false, defaultValue: "fashion-large"),
                    ModelVersion = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Decisions", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Decisions_Devices_DeviceId",
                        column: x => x.DeviceId,
                        principalTable: "Devices",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "DeviceKeys",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    DeviceId = table.Column<string>(type: "character varying(32)", nullable: false),
                    KeyId = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    SecretHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    RevokedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DeviceKeys", x => x.Id);
                    table.ForeignKey(
                        name: "FK_DeviceKeys_Devices_DeviceId",
                        column: x => x.DeviceId,
                        principalTable: "Devices",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            // The default fleet, as SQLite's Initial migration inserts it (not HasData: see FleetConfiguration).
            migrationBuilder.InsertData(
                table: "Fleets",
                columns: new[] { "Name", "AutoThreshold", "AutoThresholdMax", "AutoThresholdMin", "CreatedAt", "DeviceProfile", "LrBias", "LrW1", "LrW2", "RateLimitBurst", "RateLimitPerSecond", "Rule", "TelemetryIntervalSeconds", "Threshold" },
                values: new object[] { "default", false, 0.94999999999999996, 0.29999999999999999, new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Utc), "esp32-wifi", null, null, null, 100, 50.0, "max-softmax", 10, 0.65000000000000002 });

            migrationBuilder.CreateIndex(
                name: "IX_Audit_At",
                table: "Audit",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_Audit_Scope_Target",
                table: "Audit",
                columns: new[] { "Scope", "Target" });

            migrationBuilder.CreateIndex(
                name: "IX_ConfigEvents_DeviceId_Version",
                table: "ConfigEvents",
                columns: new[] { "DeviceId", "Version" });

            migrationBuilder.CreateIndex(
                name: "IX_Decisions_DeviceId_ReceivedAtMs",
                table: "Decisions",
                columns: new[] { "DeviceId", "ReceivedAtMs" });

            migrationBuilder.CreateIndex(
                name: "IX_Decisions_DeviceId_SampleId",
                table: "Decisions",
                columns: new[] { "DeviceId", "SampleId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Decisions_Fleet_ReceivedAtMs",
                table: "Decisions",
                columns: new[] { "Fleet", "ReceivedAtMs" });

            migrationBuilder.CreateIndex(
                name: "IX_Decisions_ReceivedAtMs",
                table: "Decisions",
                column: "ReceivedAtMs");

            migrationBuilder.CreateIndex(
                name: "IX_DeviceKeys_DeviceId",
                table: "DeviceKeys",
                column: "DeviceId");

            migrationBuilder.CreateIndex(
                name: "IX_DeviceKeys_KeyId",
                table: "DeviceKeys",
                column: "KeyId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Devices_Fleet",
                table: "Devices",
                column: "Fleet");

            migrationBuilder.CreateIndex(
                name: "IX_Devices_Name",
                table: "Devices",
                column: "Name");

            migrationBuilder.CreateIndex(
                name: "IX_Telemetry_DeviceId_PeriodEndMs",
                table: "Telemetry",
                columns: new[] { "DeviceId", "PeriodEndMs" });

            migrationBuilder.CreateIndex(
                name: "IX_Telemetry_DeviceId_Sequence",
                table: "Telemetry",
                columns: new[] { "DeviceId", "Sequence" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Telemetry_Fleet_PeriodEndMs",
                table: "Telemetry",
                columns: new[] { "Fleet", "PeriodEndMs" });

            migrationBuilder.CreateIndex(
                name: "IX_Telemetry_PeriodEndMs",
                table: "Telemetry",
                column: "PeriodEndMs");

            migrationBuilder.CreateIndex(
                name: "IX_Users_Username",
                table: "Users",
                column: "Username",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS "Audit_NoUpdate" ON "Audit";
                DROP TRIGGER IF EXISTS "Audit_NoDelete" ON "Audit";
                DROP TRIGGER IF EXISTS "Audit_NoTruncate" ON "Audit";
                DROP FUNCTION IF EXISTS audit_append_only();
                """);
            migrationBuilder.DropTable(
                name: "Audit");

            migrationBuilder.DropTable(
                name: "ConfigEvents");

            migrationBuilder.DropTable(
                name: "Decisions");

            migrationBuilder.DropTable(
                name: "DeviceKeys");

            migrationBuilder.DropTable(
                name: "ModelVersions");

            migrationBuilder.DropTable(
                name: "Telemetry");

            migrationBuilder.DropTable(
                name: "Users");

            migrationBuilder.DropTable(
                name: "Devices");

            migrationBuilder.DropTable(
                name: "Fleets");
        }
    }
}
