using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace HiPortal.Server.Migrations
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
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    At = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Actor = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Action = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Scope = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Target = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    OldValue = table.Column<string>(type: "TEXT", nullable: true),
                    NewValue = table.Column<string>(type: "TEXT", nullable: true),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Audit", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ConfigEvents",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    DeviceId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Version = table.Column<long>(type: "INTEGER", nullable: false),
                    At = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Detail = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ConfigEvents", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Fleets",
                columns: table => new
                {
                    Name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Rule = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Threshold = table.Column<double>(type: "REAL", nullable: false),
                    LrBias = table.Column<double>(type: "REAL", nullable: true),
                    LrW1 = table.Column<double>(type: "REAL", nullable: true),
                    LrW2 = table.Column<double>(type: "REAL", nullable: true),
                    TelemetryIntervalSeconds = table.Column<int>(type: "INTEGER", nullable: false),
                    RateLimitPerSecond = table.Column<double>(type: "REAL", nullable: false),
                    RateLimitBurst = table.Column<int>(type: "INTEGER", nullable: false),
                    DeviceProfile = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    AutoThreshold = table.Column<bool>(type: "INTEGER", nullable: false),
                    AutoThresholdMin = table.Column<double>(type: "REAL", nullable: false),
                    AutoThresholdMax = table.Column<double>(type: "REAL", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Fleets", x => x.Name);
                });

            migrationBuilder.CreateTable(
                name: "Telemetry",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    DeviceId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Fleet = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Sequence = table.Column<long>(type: "INTEGER", nullable: false),
                    PeriodStartMs = table.Column<long>(type: "INTEGER", nullable: false),
                    PeriodEndMs = table.Column<long>(type: "INTEGER", nullable: false),
                    ReceivedAtMs = table.Column<long>(type: "INTEGER", nullable: false),
                    Samples = table.Column<long>(type: "INTEGER", nullable: false),
                    DecidedLocally = table.Column<long>(type: "INTEGER", nullable: false),
                    Offloaded = table.Column<long>(type: "INTEGER", nullable: false),
                    LocalInferenceMicros = table.Column<long>(type: "INTEGER", nullable: false),
                    BytesSent = table.Column<long>(type: "INTEGER", nullable: false),
                    OffloadRttMicrosSum = table.Column<long>(type: "INTEGER", nullable: false),
                    OffloadRttCount = table.Column<long>(type: "INTEGER", nullable: false),
                    EnergyJoules = table.Column<double>(type: "REAL", nullable: false),
                    Dropped = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Telemetry", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Users",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Username = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    PasswordHash = table.Column<string>(type: "TEXT", nullable: false),
                    Role = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Users", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Devices",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Fleet = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    RevokedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    OverrideRule = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    OverrideThreshold = table.Column<double>(type: "REAL", nullable: true),
                    OverrideLrBias = table.Column<double>(type: "REAL", nullable: true),
                    OverrideLrW1 = table.Column<double>(type: "REAL", nullable: true),
                    OverrideLrW2 = table.Column<double>(type: "REAL", nullable: true),
                    OverrideTelemetryIntervalSeconds = table.Column<int>(type: "INTEGER", nullable: true),
                    ConfigVersion = table.Column<long>(type: "INTEGER", nullable: false),
                    ReportedVersion = table.Column<long>(type: "INTEGER", nullable: true),
                    ReportedStatus = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    ReportedMessage = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    ReportedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    LastSeenAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    LastTelemetrySequence = table.Column<long>(type: "INTEGER", nullable: true),
                    TelemetryGaps = table.Column<long>(type: "INTEGER", nullable: false),
                    TelemetryDuplicates = table.Column<long>(type: "INTEGER", nullable: false)
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
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    DeviceId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Fleet = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    SampleId = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    PayloadHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ReceivedAtMs = table.Column<long>(type: "INTEGER", nullable: false),
                    CapturedAtMs = table.Column<long>(type: "INTEGER", nullable: true),
                    LocalClass = table.Column<int>(type: "INTEGER", nullable: false),
                    LocalConfidence = table.Column<double>(type: "REAL", nullable: false),
                    LocalInferenceMicros = table.Column<long>(type: "INTEGER", nullable: true),
                    ServerClass = table.Column<int>(type: "INTEGER", nullable: false),
                    ServerConfidence = table.Column<double>(type: "REAL", nullable: false),
                    Probabilities = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Agrees = table.Column<bool>(type: "INTEGER", nullable: false),
                    Label = table.Column<int>(type: "INTEGER", nullable: true),
                    InputBytes = table.Column<int>(type: "INTEGER", nullable: false),
                    QueueMicros = table.Column<long>(type: "INTEGER", nullable: false),
                    InferenceMicros = table.Column<long>(type: "INTEGER", nullable: false),
                    BatchSize = table.Column<int>(type: "INTEGER", nullable: false),
                    ModelVersion = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false)
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
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    DeviceId = table.Column<string>(type: "TEXT", nullable: false),
                    KeyId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    SecretHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    RevokedAt = table.Column<DateTime>(type: "TEXT", nullable: true)
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

            // The audit log is append-only: the database itself refuses to rewrite history.
            migrationBuilder.Sql("""
                CREATE TRIGGER Audit_NoUpdate BEFORE UPDATE ON Audit
                BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER Audit_NoDelete BEFORE DELETE ON Audit
                BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                """);

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
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS Audit_NoUpdate;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS Audit_NoDelete;");
            migrationBuilder.DropTable(
                name: "Audit");

            migrationBuilder.DropTable(
                name: "ConfigEvents");

            migrationBuilder.DropTable(
                name: "Decisions");

            migrationBuilder.DropTable(
                name: "DeviceKeys");

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
