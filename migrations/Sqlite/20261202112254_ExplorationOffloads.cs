using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace HiPortal.Server.Migrations
{
    /// <inheritdoc />
    public partial class ExplorationOffloads : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<double>(
                name: "ExplorationRate",
                table: "Fleets",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "MaxOffloadFraction",
                table: "Fleets",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "OnlineLearner",
                table: "Fleets",
                type: "TEXT",
                maxLength: 32,
                nullable: false,
                defaultValue: "hi-lcb-lite");

            migrationBuilder.AddColumn<double>(
                name: "OverrideExplorationRate",
                table: "Devices",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "Exploration",
                table: "Decisions",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ExplorationRate",
                table: "Fleets");

            migrationBuilder.DropColumn(
                name: "MaxOffloadFraction",
                table: "Fleets");

            migrationBuilder.DropColumn(
                name: "OnlineLearner",
                table: "Fleets");

            migrationBuilder.DropColumn(
                name: "OverrideExplorationRate",
                table: "Devices");

            migrationBuilder.DropColumn(
                name: "Exploration",
                table: "Decisions");
        }
    }
}
