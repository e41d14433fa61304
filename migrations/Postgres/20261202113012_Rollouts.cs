using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace HiPortal.Server.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Rollouts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<List<string>>(
                name: "Tags",
                table: "Devices",
                type: "text[]",
                nullable: false,
                defaultValueSql: "'{}'");

            migrationBuilder.AddColumn<string>(
                name: "TinyModelOverride",
                table: "Devices",
                type: "character varying(129)",
                maxLength: 129,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "Rollouts",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Fleet = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    Tags = table.Column<List<string>>(type: "text[]", nullable: false),
                    TinyModel = table.Column<string>(type: "character varying(129)", maxLength: 129, nullable: true),
                    Stages = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    Gates = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    Salt = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    State = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Stage = table.Column<int>(type: "integer", nullable: false),
                    StageStartedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CreatedBy = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    StatusMessage = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    LastHealth = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    ChangeLrBias = table.Column<double>(type: "double precision", nullable: true),
                    ChangeLrW1 = table.Column<double>(type: "double precision", nullable: true),
                    ChangeLrW2 = table.Column<double>(type: "double precision", nullable: true),
                    ChangeRule = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    ChangeTelemetryIntervalSeconds = table.Column<int>(type: "integer", nullable: true),
                    ChangeThreshold = table.Column<double>(type: "double precision", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Rollouts", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "RolloutDevices",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    RolloutId = table.Column<long>(type: "bigint", nullable: false),
                    DeviceId = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Stage = table.Column<int>(type: "integer", nullable: false),
                    ChangedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Version = table.Column<long>(type: "bigint", nullable: false),
                    AppliedAtMs = table.Column<long>(type: "bigint", nullable: true),
                    PreviousTinyModel = table.Column<string>(type: "character varying(129)", maxLength: 129, nullable: true),
                    RolledBackAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    PreviousLrBias = table.Column<double>(type: "double precision", nullable: true),
                    PreviousLrW1 = table.Column<double>(type: "double precision", nullable: true),
                    PreviousLrW2 = table.Column<double>(type: "double precision", nullable: true),
                    PreviousRule = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    PreviousTelemetryIntervalSeconds = table.Column<int>(type: "integer", nullable: true),
                    PreviousThreshold = table.Column<double>(type: "double precision", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RolloutDevices", x => x.Id);
                    table.ForeignKey(
                        name: "FK_RolloutDevices_Devices_DeviceId",
                        column: x => x.DeviceId,
                        principalTable: "Devices",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_RolloutDevices_Rollouts_RolloutId",
                        column: x => x.RolloutId,
                        principalTable: "Rollouts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_RolloutDevices_DeviceId",
                table: "RolloutDevices",
                column: "DeviceId");

            migrationBuilder.CreateIndex(
                name: "IX_RolloutDevices_RolloutId_DeviceId",
                table: "RolloutDevices",
                columns: new[] { "RolloutId", "DeviceId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Rollouts_State",
                table: "Rollouts",
                column: "State");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "RolloutDevices");

            migrationBuilder.DropTable(
                name: "Rollouts");

            migrationBuilder.DropColumn(
                name: "Tags",
                table: "Devices");

            migrationBuilder.DropColumn(
                name: "TinyModelOverride",
                table: "Devices");
        }
    }
}
