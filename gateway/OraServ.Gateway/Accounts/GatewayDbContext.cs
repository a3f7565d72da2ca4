using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace OraServ.Gateway.Accounts;

/// <summary>
/// Tenants, their users (ASP.NET Core Identity, no role tables: a user's role is a column) and invitations.
/// Unlike the services' contexts there is no tenant query filter: sign-in looks a user up by email before any
/// tenant is known, so the account endpoints scope their queries to the caller's tenant explicitly.
/// </summary>
public sealed class GatewayDbContext(DbContextOptions<GatewayDbContext> options)
    : IdentityUserContext<GatewayUser, Guid>(options)
{
    public const string MigrationsHistoryTable = "__ef_migrations_history";

    public DbSet<Tenant> Tenants => Set<Tenant>();
    public DbSet<Invitation> Invitations => Set<Invitation>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        builder.Entity<Tenant>(tenant =>
        {
            tenant.ToTable("tenants");
            tenant.Property(t => t.BusinessName).HasMaxLength(200);
            tenant.Property(t => t.Currency).HasMaxLength(3).IsFixedLength();
            tenant.Property(t => t.TimeZone).HasMaxLength(64);
        });

        builder.Entity<GatewayUser>(user =>
        {
            user.ToTable("users");
            user.Property(u => u.Role).HasMaxLength(20);
            user.HasOne(u => u.Tenant).WithMany().HasForeignKey(u => u.TenantId).OnDelete(DeleteBehavior.Restrict);
            user.HasIndex(u => u.TenantId);
            // Sign-in is by email across all tenants, so an address belongs to one user only; the index closes the race
            // that Identity's own uniqueness check (a read before the insert) leaves open.
            user.HasIndex(u => u.NormalizedEmail).HasDatabaseName("EmailIndex").IsUnique();
        });

        builder.Entity<IdentityUserClaim<Guid>>().ToTable("user_claims");
        builder.Entity<IdentityUserLogin<Guid>>().ToTable("user_logins");
        builder.Entity<IdentityUserToken<Guid>>().ToTable("user_tokens");

        builder.Entity<Invitation>(invitation =>
        {
            invitation.ToTable("invitations");
            invitation.Property(i => i.Email).HasMaxLength(256);
            invitation.Property(i => i.Role).HasMaxLength(20);
            invitation.HasIndex(i => i.TokenHash).IsUnique();
            invitation.HasIndex(i => i.TenantId);
            invitation.HasOne<Tenant>().WithMany().HasForeignKey(i => i.TenantId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}

/// <summary>Lets `dotnet ef migrations add` build the model without a running database.</summary>
internal sealed class GatewayDesignTimeFactory : IDesignTimeDbContextFactory<GatewayDbContext>
{
    public GatewayDbContext CreateDbContext(string[] args) => new(new DbContextOptionsBuilder<GatewayDbContext>()
        .UseNpgsql("Host=127.0.0.1;Database=design_time", npgsql => npgsql.MigrationsHistoryTable(GatewayDbContext.MigrationsHistoryTable))
        .Options);
}
