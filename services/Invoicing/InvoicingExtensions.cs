using MassTransit;
using OraServ.Contracts;
using OraServ.Messaging;
using OraServ.ServiceDefaults;

namespace OraServ.Invoicing;

public static class InvoicingExtensions
{
    public static WebApplicationBuilder AddInvoicing(this WebApplicationBuilder builder)
    {
        builder.AddOraServApi();
        builder.AddOraServDataAndMessaging<InvoicingDbContext>(ResourceNames.InvoicingDb, bus =>
        {
            bus.AddConsumers(typeof(InvoicingExtensions).Assembly);
        });
        builder.Services.Configure<InvoicingOptions>(builder.Configuration.GetSection("Invoicing"));
        builder.Services.AddScoped<InvoiceWorkflow>();
        builder.Services.AddSingleton<AttachmentRenderer>();
        builder.Services.AddHttpClient<JobsClient>(http => http.BaseAddress = new Uri($"http://{ResourceNames.Jobs}"));
        return builder;
    }
}
