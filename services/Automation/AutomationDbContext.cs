using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OraServ.Messaging;
using OraServ.ServiceDefaults;

namespace OraServ.Automation;

public sealed class AutomationDbContext(DbContextOptions<AutomationDbContext> options, TenantContext tenant) : DbContext(options), IMessagingDbContext
{
    public DbSet<Rule> Rules => Set<Rule>();
    public DbSet<Reminder> Reminders => Set<Reminder>();
    public DbSet<InvoiceView> Invoices => Set<InvoiceView>();
    public DbSet<AutomationTenant> Tenants => Set<AutomationTenant>();
    public DbSet<ClientPreference> ClientPreferences => Set<ClientPreference>();
    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();
    public DbSet<InboxMessage> InboxMessages => Set<InboxMessage>();

    /// <summary>The tenant every query is scoped to; Guid.Empty matches nothing.</summary>
    private Guid CurrentTenant => tenant.TenantId ?? Guid.Empty;

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutboxAndInbox();
        modelBuilder.Entity<Rule>(e =>
        {
            e.ToTable("rules");
            e.HasQueryFilter(r => r.TenantId == CurrentTenant);
            e.Property(r => r.Name).HasMaxLength(100);
            e.Property(r => r.TriggerEvent).HasMaxLength(32);
            e.Property(r => r.Channel).HasMaxLength(8);
            e.Property(r => r.Template).HasMaxLength(ReminderTemplates.MaxEmailLength);
            e.Property(r => r.Subject).HasMaxLength(ReminderTemplates.MaxSubjectLength);
            e.HasIndex(r => new { r.TenantId, r.CreatedAt });
        });
        modelBuilder.Entity<Reminder>(e =>
        {
            e.ToTable("reminders");
            e.HasKey(r => new { r.RuleId, r.InvoiceId });
            e.HasQueryFilter(r => r.TenantId == CurrentTenant);
            e.Property(r => r.Status).HasMaxLength(10);
            e.Property(r => r.Reason).HasMaxLength(40);
            e.HasOne<Rule>().WithMany().HasForeignKey(r => r.RuleId).OnDelete(DeleteBehavior.Cascade);
            // The scheduler's tick reads only this index: the pending rows in due order, however many sent ones pile up.
            e.HasIndex(r => r.DueAt).HasFilter("status = 'pending'").HasDatabaseName("ix_reminders_pending_due");
            e.VacuumedAsQueue();
            e.HasIndex(r => r.InvoiceId);
        });
        modelBuilder.Entity<InvoiceView>(e =>
        {
            e.ToTable("invoices");
            e.HasQueryFilter(i => i.TenantId == CurrentTenant);
            e.Property(i => i.Id).ValueGeneratedNever();
            e.Property(i => i.Number).HasMaxLength(32);
            e.Property(i => i.ClientFirstName).HasMaxLength(100);
            e.Property(i => i.ClientLastName).HasMaxLength(100);
            e.Property(i => i.ClientEmail).HasMaxLength(254);
            e.Property(i => i.ClientPhone).HasMaxLength(16);
            e.Property(i => i.BusinessName).HasMaxLength(200);
            e.Property(i => i.Currency).HasMaxLength(3);
            e.Property(i => i.Total).HasPrecision(18, 4);
            e.Property(i => i.AmountDue).HasPrecision(18, 4);
            e.Property(i => i.PayUrl).HasMaxLength(500);
            e.Property(i => i.Status).HasMaxLength(10);
            e.HasIndex(i => new { i.TenantId, i.Status });
            e.Property(i => i.IssuedTimeZone).HasMaxLength(64);
            // The tenant's newest issued event, read when an invoice comes in a zone other than the tenant's.
            e.HasIndex(i => new { i.TenantId, i.IssuedEventAt });
        });
        modelBuilder.Entity<AutomationTenant>(e =>
        {
            e.ToTable("tenants");
            e.HasKey(t => t.TenantId);
            e.HasQueryFilter(t => t.TenantId == CurrentTenant);
            e.Property(t => t.TimeZone).HasMaxLength(64);
            e.Property(t => t.Currency).HasMaxLength(3);
            e.Property(t => t.BusinessName).HasMaxLength(200);
        });
        modelBuilder.Entity<ClientPreference>(e =>
        {
            e.ToTable("client_preferences");
            e.HasKey(p => new { p.TenantId, p.ClientId });
            e.HasQueryFilter(p => p.TenantId == CurrentTenant);
        });

        // Snake case, so the scheduler's hand-written SQL reads like the rest of the database.
        foreach (var type in new[] { typeof(Rule), typeof(Reminder), typeof(InvoiceView), typeof(AutomationTenant), typeof(ClientPreference) })
        {
            foreach (var property in modelBuilder.Entity(type).Metadata.GetProperties())
            {
                property.SetColumnName(JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name));
            }
        }
    }
}

internal sealed class AutomationDesignTimeFactory : DesignTimeFactory<AutomationDbContext>;
