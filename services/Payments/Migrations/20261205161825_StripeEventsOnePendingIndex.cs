using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OraServ.Payments.Migrations
{
    /// <inheritdoc />
    public partial class StripeEventsOnePendingIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_stripe_events_pending",
                table: "stripe_events");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_stripe_events_pending",
                table: "stripe_events",
                column: "received_at",
                filter: "processed_at IS NULL");
        }
    }
}
