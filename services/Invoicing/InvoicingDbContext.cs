using Microsoft.EntityFrameworkCore;
using OraServ.Messaging;
using OraServ.ServiceDefaults;

namespace OraServ.Invoicing;

public sealed class InvoicingDbContext(DbContextOptions<InvoicingDbContext> options, TenantContext tenant) : DbContext(options), IMessagingDbContext
{
    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();
    public DbSet<InboxMessage> InboxMessages => Set<InboxMessage>();

    /// <summary>The tenant every query is scoped to; Guid.Empty matches nothing.</summary>
    private Guid CurrentTenant => tenant.TenantId ?? Guid.Empty;

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutboxAndInbox();
    }
}

internal sealed class InvoicingDesignTimeFactory : DesignTimeFactory<InvoicingDbContext>;
