using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OraServ.Contracts;
using Stripe;
using Xunit;

namespace OraServ.Payments.Tests.Service;

/// <summary>
/// A dispatcher's refund races Stripe's charge.refunded for it: Stripe (and the emulator) sends the event as soon as the
/// refund exists, and its processing records the refund, perhaps before the request that asked for it does.
/// </summary>
public sealed class RefundRaceTests : IAsyncLifetime
{
    private readonly HoldRequestRefundInsert _hold = new();
    private PaymentsHost _payments = null!;

    public async Task InitializeAsync() =>
        _payments = await PaymentsHost.StartAsync(services: services =>
            services.ConfigureDbContext<PaymentsDbContext>(options => options.AddInterceptors(_hold)));

    public async Task DisposeAsync() => await _payments.DisposeAsync();

    private sealed record Intent(string PaymentIntentId, string StripeAccount);

    [Fact]
    public async Task A_refund_its_event_recorded_first_is_accepted_and_recorded_and_published_once()
    {
        var tenant = Guid.CreateVersion7();
        var accountId = await _payments.ConnectAsync(tenant);
        var (invoiceId, token) = await _payments.IssueAsync(tenant, 80m);
        var intent = await (await _payments.Http.PostAsync($"/api/pay/{token}/intent", null)).Content.ReadFromJsonAsync<Intent>();
        await new PaymentIntentService(_payments.Emulator.Stripe).ConfirmAsync(
            intent!.PaymentIntentId, new PaymentIntentConfirmOptions { PaymentMethod = "pm_card_visa" }, new RequestOptions { StripeAccount = accountId });
        await _payments.SettledAsync();

        // The request's own insert of the refund waits until charge.refunded has been processed and recorded it.
        _hold.Armed = true;
        using var dispatcher = _payments.ClientFor(tenant, "dispatcher");
        using var response = await dispatcher.PostAsJsonAsync($"/api/payments/{invoiceId}/refunds", new { amount = 30m });

        Assert.True(_hold.EventRecordedFirst, "charge.refunded was not recorded before the request's insert");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var view = await response.Content.ReadFromJsonAsync<RefundView>();
        await _payments.SettledAsync();
        var refund = Assert.Single(await _payments.InTenantAsync(tenant, db => db.Refunds.ToListAsync()));
        Assert.Equal((view!.RefundId, invoiceId, 30m), (refund.StripeRefundId, refund.InvoiceId, refund.Amount));
        var refunded = (PaymentRefunded)Assert.Single(await _payments.OutboxAsync<PaymentRefunded>()).ToEvent();
        Assert.Equal((invoiceId, 30m), (refunded.InvoiceId, refunded.Amount));
        var payment = Assert.Single(await _payments.InTenantAsync(tenant, db => db.Payments.ToListAsync()));
        Assert.Equal(30m, payment.AmountRefunded);
    }

    /// <summary>Holds an insert into refunds made while answering a request until a refund is in the table.</summary>
    private sealed class HoldRequestRefundInsert : DbCommandInterceptor
    {
        private readonly HttpContextAccessor _request = new();

        public volatile bool Armed;
        public volatile bool EventRecordedFirst;

        public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            await HoldAsync(command, cancellationToken);
            return result;
        }

        public override async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            await HoldAsync(command, cancellationToken);
            return result;
        }

        private async Task HoldAsync(DbCommand command, CancellationToken ct)
        {
            if (!Armed || _request.HttpContext is null || !command.CommandText.Contains("INSERT INTO refunds", StringComparison.Ordinal))
            {
                return;
            }
            await using var connection = new NpgsqlConnection(command.Connection!.ConnectionString);
            await connection.OpenAsync(ct);
            await using var count = new NpgsqlCommand("SELECT count(*) FROM refunds", connection);
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (DateTime.UtcNow < deadline)
            {
                if ((long)(await count.ExecuteScalarAsync(ct))! > 0)
                {
                    EventRecordedFirst = true;
                    return;
                }
                await Task.Delay(50, ct);
            }
        }
    }
}
