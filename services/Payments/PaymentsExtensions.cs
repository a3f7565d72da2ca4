using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using OraServ.Contracts;
using OraServ.Messaging;
using OraServ.ServiceDefaults;
using Stripe;

namespace OraServ.Payments;

public static class PaymentsExtensions
{
    public static WebApplicationBuilder AddPayments(this WebApplicationBuilder builder)
    {
        builder.AddOraServApi();
        builder.AddOraServDataAndMessaging<PaymentsDbContext>(ResourceNames.PaymentsDb, bus =>
        {
            bus.AddConsumer<InvoiceIssuedConsumer>();
            bus.AddConsumer<InvoiceBalanceChangedConsumer>();
            bus.AddConsumer<InvoicePaidConsumer>();
            bus.AddConsumer<InvoiceVoidedConsumer>();
        });

        builder.Services.AddOptions<StripeSettings>().BindConfiguration(StripeSettings.Section)
            .Validate(s => { s.Validate(); return true; }).ValidateOnStart();
        builder.Services.AddOptions<PaymentsSettings>().BindConfiguration(PaymentsSettings.Section);
        builder.Services.AddSingleton<IStripeClient>(sp => sp.GetRequiredService<IOptions<StripeSettings>>().Value.CreateClient());

        builder.Services.AddScoped<StripeConnect>();
        builder.Services.AddScoped<PayIntents>();
        builder.Services.AddScoped<PayDocuments>();
        builder.Services.AddInvoicePdfClient(ResourceNames.Payments);
        builder.Services.AddHttpClient<IssuedInvoices>(http => http.BaseAddress = new Uri($"http://{ResourceNames.Invoicing}"));
        // A customer waits on it: two quick retries, and an answer within seconds when Invoicing is down.
        builder.Services.Configure<HttpStandardResilienceOptions>($"{nameof(IssuedInvoices)}-standard", o =>
        {
            o.Retry.MaxRetryAttempts = 2;
            o.Retry.Delay = TimeSpan.FromMilliseconds(250);
            o.AttemptTimeout.Timeout = TimeSpan.FromSeconds(3);
            o.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(8);
        });
        builder.Services.AddScoped<PaymentSettlement>();
        builder.Services.AddScoped<StripeWebhookIngest>();
        builder.Services.AddScoped<StripeEventHandler>();
        builder.Services.AddSingleton<StripeEventSignal>();
        builder.Services.AddSingleton<ConnectedAccountTenants>();
        builder.Services.AddSingleton<StripeEventWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StripeEventWriter>());
        if (!builder.Configuration.GetValue<bool>("Migrate:Only"))
        {
            builder.Services.AddHostedService<StripeEventProcessor>();
            builder.Services.AddHostedService<Reconciliation>();
        }
        return builder;
    }
}
