using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OraServ.Payments.Migrations
{
    /// <inheritdoc />
    public partial class StripeEventOrderingKey : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ordering_key",
                table: "stripe_events",
                type: "character varying(255)",
                maxLength: 255,
                nullable: false,
                defaultValue: "");

            // Existing events get the key the webhook would give them now (StripeEventOrdering.KeyOf); an insert that
            // forgets the key fails instead of taking the default.
            migrationBuilder.Sql("""
                UPDATE stripe_events SET ordering_key = left(COALESCE(
                    CASE
                        WHEN type LIKE 'charge.dispute.%' THEN COALESCE(payload::jsonb #>> '{data,object,payment_intent}', payload::jsonb #>> '{data,object,charge}')
                        WHEN type LIKE 'charge.%' THEN payload::jsonb #>> '{data,object,payment_intent}'
                        WHEN type = 'account.updated' THEN account
                    END,
                    payload::jsonb #>> '{data,object,id}',
                    id), 255);
                ALTER TABLE stripe_events ALTER COLUMN ordering_key DROP DEFAULT;
                """);

            migrationBuilder.CreateIndex(
                name: "ix_stripe_events_pending_key",
                table: "stripe_events",
                columns: new[] { "ordering_key", "received_at" },
                filter: "processed_at IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_stripe_events_pending_key",
                table: "stripe_events");

            migrationBuilder.DropColumn(
                name: "ordering_key",
                table: "stripe_events");
        }
    }
}
