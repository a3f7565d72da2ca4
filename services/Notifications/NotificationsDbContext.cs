using Microsoft.EntityFrameworkCore;
using OraServ.Messaging;
using OraServ.ServiceDefaults;

namespace OraServ.Notifications;

public sealed class NotificationsDbContext(DbContextOptions<NotificationsDbContext> options, TenantContext tenant) : DbContext(options), IMessagingDbContext
{
    public DbSet<Message> Messages => Set<Message>();
    public DbSet<InvoiceView> Invoices => Set<InvoiceView>();
    /// <summary>Not tenant data: a client's replies and a number's SMS consent hold for every tenant (see <see cref="SmsOptOut"/>).</summary>
    public DbSet<SmsReply> SmsReplies => Set<SmsReply>();
    public DbSet<SmsOptOut> SmsOptOuts => Set<SmsOptOut>();
    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();
    public DbSet<InboxMessage> InboxMessages => Set<InboxMessage>();

    /// <summary>The tenant every query is scoped to; Guid.Empty matches nothing.</summary>
    private Guid CurrentTenant => tenant.TenantId ?? Guid.Empty;

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutboxAndInbox();
        modelBuilder.Entity<Message>(e =>
        {
            e.ToTable("messages");
            e.HasQueryFilter(m => m.TenantId == CurrentTenant);
            e.Property(m => m.Channel).HasConversion<string>().HasMaxLength(10);
            e.Property(m => m.Status).HasConversion<string>().HasMaxLength(10);
            e.Property(m => m.DedupeKey).HasMaxLength(200);
            e.Property(m => m.To).HasMaxLength(320);
            e.Property(m => m.ToName).HasMaxLength(200);
            e.Property(m => m.FromName).HasMaxLength(200);
            e.Property(m => m.Subject).HasMaxLength(500);
            e.Property(m => m.AttachmentName).HasMaxLength(100);
            e.Property(m => m.FailureReason).HasMaxLength(1000);
            e.Property(m => m.LastError).HasMaxLength(1000);
            e.Property(m => m.ProviderId).HasMaxLength(200);
            // The same event redelivered, or raced by two consumers, records (and so sends) one message.
            e.HasIndex(m => new { m.TenantId, m.DedupeKey }).IsUnique();
            e.HasIndex(m => new { m.TenantId, m.InvoiceId, m.CreatedAt });
            // The delivery worker's scan.
            e.HasIndex(m => m.NextAttemptAt).HasFilter("\"Status\" = 'Queued'");
            e.VacuumedAsQueue();
        });
        modelBuilder.Entity<InvoiceView>(e =>
        {
            e.ToTable("invoices");
            e.HasKey(i => i.InvoiceId);
            e.HasQueryFilter(i => i.TenantId == CurrentTenant);
            e.Property(i => i.Number).HasMaxLength(32);
            e.Property(i => i.Currency).HasMaxLength(3);
            e.Property(i => i.Status).HasMaxLength(10);
            e.Property(i => i.AmountDue).HasPrecision(18, 4);
            e.Property(i => i.AmountPaid).HasPrecision(18, 4);
            e.Property(i => i.Issued).HasColumnType("jsonb");
        });
        modelBuilder.Entity<SmsReply>(e =>
        {
            e.ToTable("sms_replies");
            e.HasKey(r => r.MessageSid);
            e.Property(r => r.MessageSid).HasColumnName("message_sid").HasMaxLength(64);
            e.Property(r => r.From).HasColumnName("from_number").HasMaxLength(32);
            e.Property(r => r.To).HasColumnName("to_number").HasMaxLength(32);
            e.Property(r => r.Body).HasColumnName("body").HasMaxLength(1600);
            e.Property(r => r.Action).HasColumnName("action").HasConversion<string>().HasMaxLength(10);
            e.Property(r => r.ReceivedAt).HasColumnName("received_at");
            e.HasIndex(r => new { r.From, r.ReceivedAt });
        });
        modelBuilder.Entity<SmsOptOut>(e =>
        {
            e.ToTable("sms_opt_outs");
            e.HasKey(o => o.Phone);
            e.Property(o => o.Phone).HasColumnName("phone").HasMaxLength(32);
            e.Property(o => o.OptedOut).HasColumnName("opted_out");
            e.Property(o => o.Keyword).HasColumnName("keyword").HasMaxLength(20);
            e.Property(o => o.MessageSid).HasColumnName("message_sid").HasMaxLength(64);
            e.Property(o => o.ChangedAt).HasColumnName("changed_at");
        });
    }
}

internal sealed class NotificationsDesignTimeFactory : DesignTimeFactory<NotificationsDbContext>;
