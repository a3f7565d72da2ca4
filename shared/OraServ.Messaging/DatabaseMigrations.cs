using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace OraServ.Messaging;

public static class DatabaseMigrations
{
    /// <summary>
    /// Applies the checked-in migrations, waiting for the server to accept connections, when asked to:
    /// <c>--Migrate:Only=true</c> (a migration step of its own, e.g. a Kubernetes Job) migrates and returns true, and the
    /// caller exits; <c>Migrate:OnStart=true</c> (the app host's local run) migrates before the service takes traffic
    /// and returns false. EF's migrator locks the history table, so instances starting together migrate once.
    /// </summary>
    public static async Task<bool> MigrateIfRequestedAsync<TContext>(this WebApplication app) where TContext : DbContext
    {
        var only = app.Configuration.GetValue<bool>("Migrate:Only");
        if (only || app.Configuration.GetValue<bool>("Migrate:OnStart"))
        {
            await app.Services.MigrateAsync<TContext>(TimeSpan.FromSeconds(90));
        }
        return only;
    }

    public static async Task MigrateAsync<TContext>(this IServiceProvider services, TimeSpan wait, CancellationToken ct = default) where TContext : DbContext
    {
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("OraServ.Migrations");
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            try
            {
                await using var scope = services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<TContext>();
                await db.Database.MigrateAsync(ct);
                logger.LogInformation("Database of {Context} is up to date", typeof(TContext).Name);
                return;
            }
            catch (Exception ex) when (DateTime.UtcNow < deadline && ex is NpgsqlException or InvalidOperationException { InnerException: NpgsqlException })
            {
                logger.LogInformation("Database not reachable yet ({Message}); retrying", ex.Message);
                await Task.Delay(500, ct);
            }
        }
    }
}
