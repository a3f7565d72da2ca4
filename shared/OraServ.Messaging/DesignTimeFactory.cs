using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using OraServ.ServiceDefaults;

namespace OraServ.Messaging;

/// <summary>Lets `dotnet ef migrations add` build a service's model without a running database or broker.</summary>
public abstract class DesignTimeFactory<TContext> : IDesignTimeDbContextFactory<TContext> where TContext : DbContext
{
    public TContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<TContext>()
            .UseNpgsql("Host=127.0.0.1;Database=design_time", npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history"))
            .Options;
        return (TContext)Activator.CreateInstance(typeof(TContext), options, new TenantContext(new HttpContextAccessor()))!;
    }
}
