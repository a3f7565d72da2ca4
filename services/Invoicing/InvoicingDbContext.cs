using Microsoft.EntityFrameworkCore;
using OraServ.Messaging;
using OraServ.ServiceDefaults;

namespace OraServ.Invoicing;

public sealed class InvoicingDbContext(DbContextOptions<InvoicingDbContext> options, TenantContext tenant) : DbContext(options), IMessagingDbContext
{
    public DbSet<Invoice> Invoices => Set<Invoice>();
    public DbSet<TenantSettings> TenantSettings => Set<TenantSettings>();
    public DbSet<JobSnapshot> JobSnapshots => Set<JobSnapshot>();
    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();
    public DbSet<InboxMessage> InboxMessages => Set<InboxMessage>();

    /// <summary>The tenant every query is scoped to; Guid.Empty matches nothing.</summary>
    private Guid CurrentTenant => tenant.TenantId ?? Guid.Empty;

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutboxAndInbox();
        modelBuilder.Entity<TenantSettings>(e =>
        {
            e.ToTable("tenant_settings");
            e.HasKey(s => s.TenantId);
            e.HasQueryFilter(s => s.TenantId == CurrentTenant);
            e.Property(s => s.TenantId).HasColumnName("tenant_id");
            e.Property(s => s.NextNumber).HasColumnName("next_number");
            e.Property(s => s.BusinessName).HasMaxLength(200);
            e.Property(s => s.BusinessAddress).HasMaxLength(500);
            e.Property(s => s.BusinessEmail).HasMaxLength(254);
            e.Property(s => s.BusinessPhone).HasMaxLength(16);
            e.Property(s => s.Currency).HasMaxLength(3);
            e.Property(s => s.TimeZone).HasMaxLength(64);
            e.Property(s => s.InvoicePrefix).HasMaxLength(12);
            e.Property(s => s.DefaultTerms).HasMaxLength(20);
            e.Property(s => s.TaxRate).HasPrecision(7, 6);
        });
        modelBuilder.Entity<JobSnapshot>(e =>
        {
            e.ToTable("job_snapshots");
            e.HasKey(s => s.JobId);
            e.HasQueryFilter(s => s.TenantId == CurrentTenant);
            e.OwnsOne(s => s.Client, c => c.ToJson());
            e.OwnsMany(s => s.Lines, l => l.ToJson());
        });
        modelBuilder.Entity<Invoice>(e =>
        {
            e.ToTable("invoices");
            e.HasQueryFilter(i => i.TenantId == CurrentTenant);
            e.Property(i => i.Version).IsRowVersion();
            e.Property(i => i.Status).HasConversion<string>().HasMaxLength(10);
            e.Property(i => i.Number).HasMaxLength(32);
            e.Property(i => i.Currency).HasMaxLength(3);
            e.Property(i => i.Terms).HasMaxLength(20);
            e.Property(i => i.PayToken).HasMaxLength(64);
            e.Property(i => i.PayUrl).HasMaxLength(300);
            e.Property(i => i.JobTitle).HasMaxLength(200);
            e.Property(i => i.Notes).HasMaxLength(4000);
            e.Property(i => i.DisputeId).HasMaxLength(64);
            e.Property(i => i.DisputeStatus).HasMaxLength(32);
            e.Property(i => i.TaxRate).HasPrecision(7, 6);
            e.Property(i => i.Subtotal).HasPrecision(18, 4);
            e.Property(i => i.Tax).HasPrecision(18, 4);
            e.Property(i => i.Total).HasPrecision(18, 4);
            e.Property(i => i.AmountPaid).HasPrecision(18, 4);
            e.Ignore(i => i.AmountDue);
            // "Invoice Job" twice, even concurrently, gives one invoice.
            e.HasIndex(i => new { i.TenantId, i.JobId }).IsUnique().HasFilter("\"JobId\" IS NOT NULL");
            e.HasIndex(i => new { i.TenantId, i.Number }).IsUnique().HasFilter("\"Number\" IS NOT NULL");
            e.HasIndex(i => i.PayToken).IsUnique().HasFilter("\"PayToken\" IS NOT NULL");
            e.HasIndex(i => new { i.TenantId, i.Status, i.DueDate });
            e.OwnsOne(i => i.Client, c =>
            {
                c.Property(x => x.FirstName).HasMaxLength(100);
                c.Property(x => x.LastName).HasMaxLength(100);
                c.Property(x => x.Email).HasMaxLength(254);
                c.Property(x => x.Phone).HasMaxLength(16);
                c.Property(x => x.Address).HasMaxLength(500);
            });
            e.OwnsMany(i => i.Lines, l =>
            {
                l.ToTable("invoice_lines");
                l.WithOwner().HasForeignKey("InvoiceId");
                l.HasKey(x => x.Id);
                // Ids are made by the domain: a line added to a loaded invoice is new, not an update.
                l.Property(x => x.Id).ValueGeneratedNever();
                l.Property(x => x.Kind).HasMaxLength(20);
                l.Property(x => x.Description).HasMaxLength(500);
                l.Property(x => x.Quantity).HasPrecision(18, 4);
                l.Property(x => x.UnitPrice).HasPrecision(18, 4);
                l.Property(x => x.Amount).HasPrecision(18, 4);
                l.Property(x => x.Tax).HasPrecision(18, 4);
            });
            e.OwnsMany(i => i.Payments, p =>
            {
                p.ToTable("invoice_payments");
                p.WithOwner().HasForeignKey("InvoiceId");
                p.HasKey(x => x.Id);
                p.Property(x => x.Id).ValueGeneratedNever();
                p.HasIndex("InvoiceId", nameof(AppliedPayment.ExternalId)).IsUnique();
                p.Property(x => x.ExternalId).HasMaxLength(100);
                p.Property(x => x.Method).HasMaxLength(20);
                p.Property(x => x.Reference).HasMaxLength(200);
                p.Property(x => x.Amount).HasPrecision(18, 4);
            });
        });
    }
}

internal sealed class InvoicingDesignTimeFactory : DesignTimeFactory<InvoicingDbContext>;
