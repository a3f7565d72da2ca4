using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OraServ.Automation.Migrations
{
    /// <inheritdoc />
    public partial class TimeZoneKeptPerInvoice : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "issued_event_at",
                table: "invoices",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "issued_time_zone",
                table: "invoices",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_invoices_tenant_id_issued_event_at",
                table: "invoices",
                columns: new[] { "tenant_id", "issued_event_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_invoices_tenant_id_issued_event_at",
                table: "invoices");

            migrationBuilder.DropColumn(
                name: "issued_event_at",
                table: "invoices");

            migrationBuilder.DropColumn(
                name: "issued_time_zone",
                table: "invoices");
        }
    }
}
