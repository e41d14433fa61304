using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace HiPortal.Server.Migrations
{
    /// <inheritdoc />
    public partial class FleetsConfigTelemetryAudit : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "ConfigVersion",
                table: "Devices",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<DateTime>(
                name: "LastSeenAt",
                table: "Devices",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "LastTelemetrySequence",
                table: "Devices",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "OverrideLrBias",
                table: "Devices",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "OverrideLrW1",
                table: "Devices",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "OverrideLrW2",
                table: "Devices",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "OverrideRule",
                table: "Devices",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "OverrideTelemetryIntervalSeconds",
                table: "Devices",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "OverrideThreshold",
                table: "Devices",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "ReportedAt",
                table: "Devices",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ReportedMessage",
                table: "Devices",
                type: "TEXT",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ReportedStatus",
                table: "Devices",
                type: "TEXT",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "ReportedVersion",
                table: "Devices",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "RevokedAt",
                table: "Devices",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "TelemetryDuplicates",
                table: "Devices",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<long>(
                name: "TelemetryGaps",
                table: "Devices",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

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

            migrationBuilder.InsertData(
                table: "Fleets",
                columns: new[] { "Name", "AutoThreshold", "AutoThresholdMax", "AutoThresholdMin", "CreatedAt", "DeviceProfile", "LrBias", "LrW1", "LrW2", "RateLimitBurst", "RateLimitPerSecond", "Rule", "TelemetryIntervalSeconds", "Threshold" },
                values: new object[] { "default", false, 0.94999999999999996, 0.29999999999999999, new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Utc), "esp32-wifi", null, null, null, 100, 50.0, "max-softmax", 10, 0.65000000000000002 });

            migrationBuilder.CreateIndex(
                name: "IX_Devices_Name",
                table: "Devices",
                column: "Name");

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

            // Devices registered before fleets existed: give each fleet name they used a row with the defaults.
            migrationBuilder.Sql("""
                INSERT OR IGNORE INTO Fleets (Name, AutoThreshold, AutoThresholdMax, AutoThresholdMin, CreatedAt,
                    DeviceProfile, RateLimitBurst, RateLimitPerSecond, Rule, TelemetryIntervalSeconds, Threshold)
                SELECT DISTINCT Fleet, 0, 0.95, 0.3, '2026-11-26 00:00:00', 'esp32-wifi', 100, 50.0, 'max-softmax', 10, 0.65
                FROM Devices
                """);

            // The audit log is append-only: the database itself refuses to rewrite history.
            migrationBuilder.Sql("""
                CREATE TRIGGER Audit_NoUpdate BEFORE UPDATE ON Audit
                BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER Audit_NoDelete BEFORE DELETE ON Audit
                BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                """);

            migrationBuilder.AddForeignKey(
                name: "FK_Devices_Fleets_Fleet",
                table: "Devices",
                column: "Fleet",
                principalTable: "Fleets",
                principalColumn: "Name",
                onDelete: ReferentialAction.Cascade);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS Audit_NoUpdate;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS Audit_NoDelete;");
            migrationBuilder.DropForeignKey(
                name: "FK_Devices_Fleets_Fleet",
                table: "Devices");

            migrationBuilder.DropTable(
                name: "Audit");

            migrationBuilder.DropTable(
                name: "ConfigEvents");

            migrationBuilder.DropTable(
                name: "Fleets");

            migrationBuilder.DropTable(
                name: "Telemetry");

            migrationBuilder.DropIndex(
                name: "IX_Devices_Name",
                table: "Devices");

            migrationBuilder.DropColumn(
                name: "ConfigVersion",
                table: "Devices");

            migrationBuilder.DropColumn(
                name: "LastSeenAt",
                table: "Devices");

            migrationBuilder.DropColumn(
                name: "LastTelemetrySequence",
                table: "Devices");

            migrationBuilder.DropColumn(
                name: "OverrideLrBias",
                table: "Devices");

            migrationBuilder.DropColumn(
                name: "OverrideLrW1",
                table: "Devices");

            migrationBuilder.DropColumn(
                name: "OverrideLrW2",
                table: "Devices");

            migrationBuilder.DropColumn(
                name: "OverrideRule",
                table: "Devices");

            migrationBuilder.DropColumn(
                name: "OverrideTelemetryIntervalSeconds",
                table: "Devices");

            migrationBuilder.DropColumn(
                name: "OverrideThreshold",
                table: "Devices");

            migrationBuilder.DropColumn(
                name: "ReportedAt",
                table: "Devices");

            migrationBuilder.DropColumn(
                name: "ReportedMessage",
                table: "Devices");

            migrationBuilder.DropColumn(
                name: "ReportedStatus",
                table: "Devices");

            migrationBuilder.DropColumn(
                name: "ReportedVersion",
                table: "Devices");

            migrationBuilder.DropColumn(
                name: "RevokedAt",
                table: "Devices");

            migrationBuilder.DropColumn(
                name: "TelemetryDuplicates",
                table: "Devices");

            migrationBuilder.DropColumn(
                name: "TelemetryGaps",
                table: "Devices");
        }
    }
}
