using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OraServ.Invoicing.Migrations
{
    /// <inheritdoc />
    public partial class QueueTablesVacuumedOften : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterTable(
                name: "outbox_messages")
                .Annotation("Npgsql:StorageParameter:autovacuum_vacuum_scale_factor", 0.01);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterTable(
                name: "outbox_messages")
                .OldAnnotation("Npgsql:StorageParameter:autovacuum_vacuum_scale_factor", 0.01);
        }
    }
}
