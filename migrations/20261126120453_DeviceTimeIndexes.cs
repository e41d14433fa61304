using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace HiPortal.Server.Migrations
{
    /// <inheritdoc />
    public partial class DeviceTimeIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Telemetry_DeviceId_PeriodEndMs",
                table: "Telemetry",
                columns: new[] { "DeviceId", "PeriodEndMs" });

            migrationBuilder.CreateIndex(
                name: "IX_Decisions_DeviceId_ReceivedAtMs",
                table: "Decisions",
                columns: new[] { "DeviceId", "ReceivedAtMs" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Telemetry_DeviceId_PeriodEndMs",
                table: "Telemetry");

            migrationBuilder.DropIndex(
                name: "IX_Decisions_DeviceId_ReceivedAtMs",
                table: "Decisions");
        }
    }
}
