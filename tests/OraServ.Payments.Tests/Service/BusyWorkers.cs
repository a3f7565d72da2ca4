using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using OraServ.ServiceDefaults;
using OraServ.Testing;
using Xunit;

namespace OraServ.Payments.Tests.Service;

/// <summary>
/// Keeps Stripe event workers busy: for each, a payment_intent.succeeded whose payment row another transaction holds
/// uncommitted, so the worker that takes it blocks on its insert. Events stored meanwhile pile up, as in a burst;
/// disposing lets the workers go.
/// </summary>
public sealed class BusyWorkers : IAsyncDisposable
{
    private readonly AsyncServiceScope _scope;
    private readonly IDbContextTransaction _tx;

    private BusyWorkers(AsyncServiceScope scope, IDbContextTransaction tx) => (_scope, _tx) = (scope, tx);

    public IReadOnlyList<string> Intents { get; private init; } = [];

    public static async Task<BusyWorkers> StartAsync(PaymentsHost payments, Guid tenant, string account, int workers)
    {
        var scope = payments.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenant);
        var db = scope.ServiceProvider.GetRequiredService<PaymentsDbContext>();
        var tx = await db.Database.BeginTransactionAsync();
        var intents = Enumerable.Range(0, workers).Select(_ => SignedEvents.NewId("pi")).ToList();
        foreach (var intent in intents)
        {
            db.Payments.Add(new Payment { TenantId = tenant, InvoiceId = Guid.CreateVersion7(), StripePaymentIntentId = intent, Currency = "USD", Method = "card", Amount = 1m });
        }
        await db.SaveChangesAsync();
        foreach (var intent in intents)
        {
            Assert.Equal(HttpStatusCode.OK, await payments.PostAsync(SignedEvents.PaymentIntent("payment_intent.succeeded", account, intent, Guid.CreateVersion7(), 100)));
        }
        // Every one of them is claimed (row-locked by a worker) once none can be locked from here.
        await Eventually.TrueAsync(() => payments.InTenantAsync(Guid.Empty, async other =>
        {
            await using var probe = await other.Database.BeginTransactionAsync();
            return !await other.StripeEvents.FromSql($"SELECT * FROM stripe_events WHERE ordering_key = ANY({intents}) FOR UPDATE SKIP LOCKED").AnyAsync();
        }), "every worker to be busy");
        return new BusyWorkers(scope, tx) { Intents = intents };
    }

    private bool _released;

    public async ValueTask DisposeAsync()
    {
        if (_released)
        {
            return;
        }
        _released = true;
        await _tx.RollbackAsync();
        await _tx.DisposeAsync();
        await _scope.DisposeAsync();
    }
}
