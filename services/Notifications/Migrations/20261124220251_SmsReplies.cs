using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OraServ.Notifications.Migrations
{
    /// <inheritdoc />
    public partial class SmsReplies : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "sms_opt_outs",
                columns: table => new
                {
                    phone = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    opted_out = table.Column<bool>(type: "boolean", nullable: false),
                    keyword = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    message_sid = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    changed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_sms_opt_outs", x => x.phone);
                });

            migrationBuilder.CreateTable(
                name: "sms_replies",
                columns: table => new
                {
                    message_sid = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    from_number = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    to_number = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    body = table.Column<string>(type: "character varying(1600)", maxLength: 1600, nullable: false),
                    action = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    received_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_sms_replies", x => x.message_sid);
                });

            migrationBuilder.CreateIndex(
                name: "IX_sms_replies_from_number_received_at",
                table: "sms_replies",
                columns: new[] { "from_number", "received_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "sms_opt_outs");

            migrationBuilder.DropTable(
                name: "sms_replies");
        }
    }
}
