using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace HiPortal.Server.Migrations
{
    /// <inheritdoc />
    public partial class DeviceHistory : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Decisions_DeviceId_ReceivedAtMs",
                table: "Decisions");

            // By hand: the key is the whole row, so WITHOUT ROWID keeps it in one B-tree (EF Core cannot say so).
            migrationBuilder.Sql("""
                CREATE TABLE "DeviceDecisions" (
                    "DeviceId" TEXT NOT NULL,
                    "ReceivedAtMs" INTEGER NOT NULL,
                    "DecisionId" INTEGER NOT NULL,
                    CONSTRAINT "PK_DeviceDecisions" PRIMARY KEY ("DeviceId", "ReceivedAtMs", "DecisionId")
                ) WITHOUT ROWID
                """);

            migrationBuilder.CreateTable(
                name: "DeviceHistoryState",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false),
                    IndexedThroughId = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DeviceHistoryState", x => x.Id);
                });

            // What the dropped index held, in one pass, and how far that pass read.
            migrationBuilder.Sql("""
                INSERT INTO "DeviceDecisions" ("DeviceId", "ReceivedAtMs", "DecisionId")
                SELECT "DeviceId", "ReceivedAtMs", "Id" FROM "Decisions" ORDER BY "DeviceId", "ReceivedAtMs", "Id"
                """);
            migrationBuilder.Sql("""
                INSERT INTO "DeviceHistoryState" ("Id", "IndexedThroughId") SELECT 1, COALESCE(MAX("Id"), 0) FROM "Decisions"
                """);

            // A deleted decision (retention) takes its index entry with it; inserts are indexed later, in bulk.
            migrationBuilder.Sql("""
                CREATE TRIGGER "TR_Decisions_DeviceHistory" AFTER DELETE ON "Decisions" BEGIN
                    DELETE FROM "DeviceDecisions"
                    WHERE "DeviceId" = OLD."DeviceId" AND "ReceivedAtMs" = OLD."ReceivedAtMs" AND "DecisionId" = OLD."Id";
                END
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER \"TR_Decisions_DeviceHistory\"");

            migrationBuilder.DropTable(
                name: "DeviceDecisions");

            migrationBuilder.DropTable(
                name: "DeviceHistoryState");

            migrationBuilder.CreateIndex(
                name: "IX_Decisions_DeviceId_ReceivedAtMs",
                table: "Decisions",
                columns: new[] { "DeviceId", "ReceivedAtMs" });
        }
    }
}
