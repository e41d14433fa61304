using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace HiPortal.Server.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ClosedLoopMerge : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<double>(
                name: "ChangeExplorationRate",
                table: "Rollouts",
                type: "double precision",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "PreviousExplorationRate",
                table: "RolloutDevices",
                type: "double precision",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ChangeExplorationRate",
                table: "Rollouts");

            migrationBuilder.DropColumn(
                name: "PreviousExplorationRate",
                table: "RolloutDevices");
        }
    }
}
