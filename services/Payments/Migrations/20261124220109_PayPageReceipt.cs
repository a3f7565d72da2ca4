using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OraServ.Payments.Migrations
{
    /// <inheritdoc />
    public partial class PayPageReceipt : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "CardBrand",
                table: "payments",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "CardLast4",
                table: "payments",
                type: "character varying(4)",
                maxLength: 4,
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "AmountPaid",
                table: "payable_invoices",
                type: "numeric(18,4)",
                precision: 18,
                scale: 4,
                nullable: false,
                defaultValue: 0m);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "PaidAt",
                table: "payable_invoices",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "Subtotal",
                table: "payable_invoices",
                type: "numeric(18,4)",
                precision: 18,
                scale: 4,
                nullable: false,
                defaultValue: 0m);

            migrationBuilder.AddColumn<decimal>(
                name: "Tax",
                table: "payable_invoices",
                type: "numeric(18,4)",
                precision: 18,
                scale: 4,
                nullable: false,
                defaultValue: 0m);

            migrationBuilder.AddColumn<decimal>(
                name: "Total",
                table: "payable_invoices",
                type: "numeric(18,4)",
                precision: 18,
                scale: 4,
                nullable: false,
                defaultValue: 0m);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "CardBrand",
                table: "payments");

            migrationBuilder.DropColumn(
                name: "CardLast4",
                table: "payments");

            migrationBuilder.DropColumn(
                name: "AmountPaid",
                table: "payable_invoices");

            migrationBuilder.DropColumn(
                name: "PaidAt",
                table: "payable_invoices");

            migrationBuilder.DropColumn(
                name: "Subtotal",
                table: "payable_invoices");

            migrationBuilder.DropColumn(
                name: "Tax",
                table: "payable_invoices");

            migrationBuilder.DropColumn(
                name: "Total",
                table: "payable_invoices");
        }
    }
}
