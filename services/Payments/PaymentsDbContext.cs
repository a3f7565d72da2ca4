using Microsoft.EntityFrameworkCore;
using OraServ.Messaging;
using OraServ.ServiceDefaults;

namespace OraServ.Payments;

public sealed class PaymentsDbContext(DbContextOptions<PaymentsDbContext> options, TenantContext tenant) : DbContext(options), IMessagingDbContext
{
    public const string StripeEventsTable = "stripe_events";

    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();
    public DbSet<InboxMessage> InboxMessages => Set<InboxMessage>();
    public DbSet<ConnectedAccount> ConnectedAccounts => Set<ConnectedAccount>();
    public DbSet<PayableInvoice> PayableInvoices => Set<PayableInvoice>();
    public DbSet<PaymentIntentRecord> PaymentIntents => Set<PaymentIntentRecord>();
    public DbSet<StripeEventLog> StripeEvents => Set<StripeEventLog>();
    public DbSet<Payment> Payments => Set<Payment>();
    public DbSet<Refund> Refunds => Set<Refund>();
    public DbSet<Dispute> Disputes => Set<Dispute>();

    /// <summary>The tenant every query is scoped to; Guid.Empty matches nothing.</summary>
    private Guid CurrentTenant => tenant.TenantId ?? Guid.Empty;

    /// <summary>The tenant new rows belong to; a scope without one is a bug.</summary>
    public Guid CurrentTenantId() => tenant.RequiredTenantId;

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutboxAndInbox();

        modelBuilder.Entity<ConnectedAccount>(e =>
        {
            e.ToTable("connected_accounts");
            e.HasIndex(a => a.TenantId).IsUnique();
            e.HasIndex(a => a.StripeAccountId).IsUnique();
            e.HasIndex(a => a.OnboardingState).IsUnique();
            e.Property(a => a.StripeAccountId).HasMaxLength(64);
            e.Property(a => a.Status).HasMaxLength(32);
            e.Property(a => a.OnboardingState).HasMaxLength(64);
            e.HasQueryFilter(a => a.TenantId == CurrentTenant);
        });

        modelBuilder.Entity<PayableInvoice>(e =>
        {
            e.ToTable("payable_invoices");
            e.Property(i => i.Id).ValueGeneratedNever();
            e.HasIndex(i => i.PayToken).IsUnique();
            e.Property(i => i.PayToken).HasMaxLength(128);
            e.Property(i => i.Currency).HasMaxLength(3);
            e.Property(i => i.Status).HasMaxLength(16);
            e.Property(i => i.Subtotal).HasPrecision(18, 4);
            e.Property(i => i.Tax).HasPrecision(18, 4);
            e.Property(i => i.Total).HasPrecision(18, 4);
            e.Property(i => i.AmountPaid).HasPrecision(18, 4);
            e.Property(i => i.AmountDue).HasPrecision(18, 4);
            e.OwnsMany(i => i.Lines, lines =>
            {
                lines.ToJson("lines");
                lines.Property(l => l.Quantity).HasPrecision(18, 4);
                lines.Property(l => l.UnitPrice).HasPrecision(18, 4);
                lines.Property(l => l.Amount).HasPrecision(18, 4);
            });
            e.HasQueryFilter(i => i.TenantId == CurrentTenant);
        });

        modelBuilder.Entity<PaymentIntentRecord>(e =>
        {
            e.ToTable("payment_intents");
            e.HasIndex(p => p.StripePaymentIntentId).IsUnique();
            e.HasIndex(p => new { p.TenantId, p.InvoiceId });
            e.HasIndex(p => p.NextCheckAt).HasFilter("\"Status\" NOT IN ('succeeded', 'canceled')");
            e.Property(p => p.StripePaymentIntentId).HasMaxLength(64);
            e.Property(p => p.StripeAccountId).HasMaxLength(64);
            e.Property(p => p.Currency).HasMaxLength(3);
            e.Property(p => p.Status).HasMaxLength(32);
            e.Property(p => p.Amount).HasPrecision(18, 4);
            e.HasQueryFilter(p => p.TenantId == CurrentTenant);
        });

        // The event log is written before the tenant is known (the webhook is anonymous); the processor attributes it.
        // Raw SQL reads it (insert-if-absent, SKIP LOCKED claims), hence the explicit column names.
        modelBuilder.Entity<StripeEventLog>(e =>
        {
            e.ToTable(StripeEventsTable);
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasColumnName("id").HasMaxLength(255);
            e.Property(x => x.Type).HasColumnName("type").HasMaxLength(100);
            e.Property(x => x.OrderingKey).HasColumnName("ordering_key").HasMaxLength(255);
            e.Property(x => x.Account).HasColumnName("account").HasMaxLength(64);
            e.Property(x => x.Livemode).HasColumnName("livemode");
            e.Property(x => x.Payload).HasColumnName("payload");
            e.Property(x => x.ReceivedAt).HasColumnName("received_at");
            e.Property(x => x.TenantId).HasColumnName("tenant_id");
            e.Property(x => x.ProcessedAt).HasColumnName("processed_at");
            e.Property(x => x.Outcome).HasColumnName("outcome").HasMaxLength(200);
            e.Property(x => x.Attempts).HasColumnName("attempts");
            e.Property(x => x.LastError).HasColumnName("last_error").HasMaxLength(2000);
            e.Property(x => x.NextAttemptAt).HasColumnName("next_attempt_at");
            // The one index of pending events: the claim asks whether an older event of its key is still unprocessed, and
            // the worker that is done with an event asks for the next of its key. A second one in arrival order (for the
            // periodic scan) was taken by the planner for those questions too, as a walk through every pending event: it
            // usually sees the log with nothing pending and takes such an index to be empty.
            e.HasIndex(x => new { x.OrderingKey, x.ReceivedAt }).HasFilter("processed_at IS NULL").HasDatabaseName("ix_stripe_events_pending_key");
            e.VacuumedAsQueue();
        });

        modelBuilder.Entity<Payment>(e =>
        {
            e.ToTable("payments");
            e.HasIndex(p => p.StripePaymentIntentId).IsUnique();
            e.HasIndex(p => new { p.TenantId, p.InvoiceId });
            e.Property(p => p.StripePaymentIntentId).HasMaxLength(64);
            e.Property(p => p.StripeChargeId).HasMaxLength(64);
            e.Property(p => p.Currency).HasMaxLength(3);
            e.Property(p => p.Method).HasMaxLength(32);
            e.Property(p => p.CardBrand).HasMaxLength(32);
            e.Property(p => p.CardLast4).HasMaxLength(4);
            e.Property(p => p.Amount).HasPrecision(18, 4);
            e.Property(p => p.AmountRefunded).HasPrecision(18, 4);
            e.HasQueryFilter(p => p.TenantId == CurrentTenant);
        });

        modelBuilder.Entity<Refund>(e =>
        {
            e.ToTable("refunds");
            e.HasIndex(r => r.StripeRefundId).IsUnique();
            e.Property(r => r.StripeRefundId).HasMaxLength(64);
            e.Property(r => r.StripePaymentIntentId).HasMaxLength(64);
            e.Property(r => r.Currency).HasMaxLength(3);
            e.Property(r => r.Status).HasMaxLength(32);
            e.Property(r => r.Amount).HasPrecision(18, 4);
            e.HasQueryFilter(r => r.TenantId == CurrentTenant);
        });

        modelBuilder.Entity<Dispute>(e =>
        {
            e.ToTable("disputes");
            e.HasIndex(d => d.StripeDisputeId).IsUnique();
            e.Property(d => d.StripeDisputeId).HasMaxLength(64);
            e.Property(d => d.StripeChargeId).HasMaxLength(64);
            e.Property(d => d.StripePaymentIntentId).HasMaxLength(64);
            e.Property(d => d.Currency).HasMaxLength(3);
            e.Property(d => d.Status).HasMaxLength(32);
            e.Property(d => d.Reason).HasMaxLength(64);
            e.Property(d => d.Amount).HasPrecision(18, 4);
            e.HasQueryFilter(d => d.TenantId == CurrentTenant);
        });
    }
}

internal sealed class PaymentsDesignTimeFactory : DesignTimeFactory<PaymentsDbContext>;
