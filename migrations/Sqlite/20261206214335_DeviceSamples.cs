using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace HiPortal.Server.Migrations
{
    /// <inheritdoc />
    public partial class DeviceSamples : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // By hand: the key is the whole row, so WITHOUT ROWID keeps it in one B-tree (EF Core cannot say so).
            migrationBuilder.Sql("""
                CREATE TABLE "DeviceSamples" (
                    "DeviceId" TEXT NOT NULL,
                    "SampleId" TEXT NOT NULL,
                    "DecisionId" INTEGER NOT NULL,
                    CONSTRAINT "PK_DeviceSamples" PRIMARY KEY ("DeviceId", "SampleId")
                ) WITHOUT ROWID
                """);

            // What the index held. Rows past the device index's watermark are indexed again by its next pass,
            // which ignores what is there already.
            migrationBuilder.Sql("""
                INSERT INTO "DeviceSamples" ("DeviceId", "SampleId", "DecisionId")
                SELECT "DeviceId", "SampleId", "Id" FROM "Decisions" ORDER BY "DeviceId", "SampleId"
                """);

            // Only now: the copy above reads the index in its order.
            migrationBuilder.DropIndex(
                name: "IX_Decisions_DeviceId_SampleId",
                table: "Decisions");

            // A deleted decision (retention) takes its entry with it, so its sample id can be stored again, as before.
            migrationBuilder.Sql("""
                CREATE TRIGGER "TR_Decisions_DeviceSamples" AFTER DELETE ON "Decisions" BEGIN
                    DELETE FROM "DeviceSamples"
                    WHERE "DeviceId" = OLD."DeviceId" AND "SampleId" = OLD."SampleId" AND "DecisionId" = OLD."Id";
                END
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER \"TR_Decisions_DeviceSamples\"");

            migrationBuilder.DropTable(
                name: "DeviceSamples");

            migrationBuilder.CreateIndex(
                name: "IX_Decisions_DeviceId_SampleId",
                table: "Decisions",
                columns: new[] { "DeviceId", "SampleId" },
                unique: true);
        }
    }
}
