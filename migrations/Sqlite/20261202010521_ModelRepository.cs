using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace HiPortal.Server.Migrations
{
    /// <inheritdoc />
    public partial class ModelRepository : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "LargeModel",
                table: "Fleets",
                type: "TEXT",
                maxLength: 129,
                nullable: false,
                defaultValue: "fashion-large@1.0.0");

            migrationBuilder.AddColumn<string>(
                name: "TinyModel",
                table: "Fleets",
                type: "TEXT",
                maxLength: 129,
                nullable: false,
                defaultValue: "fashion-tiny@1.0.0");

            migrationBuilder.AddColumn<string>(
                name: "ModelName",
                table: "Decisions",
                type: "TEXT",
                maxLength: 64,
                nullable: false,
                defaultValue: "fashion-large");

            migrationBuilder.CreateTable(
                name: "ModelVersions",
                columns: table => new
                {
                    Name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Version = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Sha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Bytes = table.Column<long>(type: "INTEGER", nullable: false),
                    CardJson = table.Column<string>(type: "TEXT", nullable: false),
                    RegisteredAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    RegisteredBy = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Source = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ModelVersions", x => new { x.Name, x.Version });
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ModelVersions");

            migrationBuilder.DropColumn(
                name: "LargeModel",
                table: "Fleets");

            migrationBuilder.DropColumn(
                name: "TinyModel",
                table: "Fleets");

            migrationBuilder.DropColumn(
                name: "ModelName",
                table: "Decisions");
        }
    }
}
