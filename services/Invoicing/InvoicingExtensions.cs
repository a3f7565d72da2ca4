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
        return builder;
    }
}
