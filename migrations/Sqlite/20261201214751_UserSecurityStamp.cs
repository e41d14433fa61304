using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace HiPortal.Server.Migrations
{
    /// <inheritdoc />
    public partial class UserSecurityStamp : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "Disabled",
                table: "Users",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "SecurityStamp",
                table: "Users",
                type: "TEXT",
                maxLength: 32,
                nullable: false,
                defaultValue: "");

            // Existing accounts get a random stamp each, so their tokens are bound to this database from now on.
            migrationBuilder.Sql("UPDATE Users SET SecurityStamp = lower(hex(randomblob(16))) WHERE SecurityStamp = '';");
            // Usernames are compared lower-cased from now on (Identity.Names); rename where that collides with nobody.
            migrationBuilder.Sql("UPDATE Users SET Username = lower(Username) WHERE Username <> lower(Username) " +
                "AND lower(Username) NOT IN (SELECT Username FROM Users);");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Disabled",
                table: "Users");

            migrationBuilder.DropColumn(
                name: "SecurityStamp",
                table: "Users");
        }
    }
}
