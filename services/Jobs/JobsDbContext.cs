using Microsoft.EntityFrameworkCore;
using OraServ.Messaging;
using OraServ.ServiceDefaults;

namespace OraServ.Jobs;

public sealed class JobsDbContext(DbContextOptions<JobsDbContext> options, TenantContext tenant) : DbContext(options), IMessagingDbContext
{
    public DbSet<Client> Clients => Set<Client>();
    public DbSet<Job> Jobs => Set<Job>();
    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();
    public DbSet<InboxMessage> InboxMessages => Set<InboxMessage>();

    /// <summary>The tenant every query is scoped to; Guid.Empty matches nothing.</summary>
    private Guid CurrentTenant => tenant.TenantId ?? Guid.Empty;

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutboxAndInbox();
        modelBuilder.Entity<Client>(e =>
        {
            e.ToTable("clients");
            e.HasQueryFilter(c => c.TenantId == CurrentTenant);
            e.HasIndex(c => new { c.TenantId, c.LastName, c.FirstName });
            e.Property(c => c.FirstName).HasMaxLength(100);
            e.Property(c => c.LastName).HasMaxLength(100);
            e.Property(c => c.Email).HasMaxLength(254);
            e.Property(c => c.Phone).HasMaxLength(16);
            e.Property(c => c.Address).HasMaxLength(500);
        });
        modelBuilder.Entity<Job>(e =>
        {
            e.ToTable("jobs");
            e.HasQueryFilter(j => j.TenantId == CurrentTenant);
            e.HasIndex(j => new { j.TenantId, j.Status });
            e.Property(j => j.Title).HasMaxLength(200);
            e.Property(j => j.Currency).HasMaxLength(3);
            e.Property(j => j.Notes).HasMaxLength(4000);
            e.Property(j => j.Status).HasConversion<string>().HasMaxLength(20);
            e.HasOne(j => j.Client).WithMany().HasForeignKey(j => j.ClientId);
            e.OwnsMany(j => j.LineItems, items =>
            {
                items.ToTable("job_line_items");
                items.WithOwner().HasForeignKey("JobId");
                items.HasKey(i => i.Id);
                // Ids are made by the domain: an item added to a loaded job is new, not an update.
                items.Property(i => i.Id).ValueGeneratedNever();
                items.Property(i => i.Kind).HasConversion<string>().HasMaxLength(20);
                items.Property(i => i.Description).HasMaxLength(500);
                items.Property(i => i.Quantity).HasPrecision(18, 4);
                items.Property(i => i.UnitPrice).HasPrecision(18, 4);
            });
        });
    }
}

internal sealed class JobsDesignTimeFactory : DesignTimeFactory<JobsDbContext>;
