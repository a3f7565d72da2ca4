using MassTransit;
using OraServ.Contracts;
using OraServ.Messaging;
using OraServ.ServiceDefaults;

namespace OraServ.Payments;

public static class PaymentsExtensions
{
    public static WebApplicationBuilder AddPayments(this WebApplicationBuilder builder)
    {
        builder.AddOraServApi();
        builder.AddOraServDataAndMessaging<PaymentsDbContext>(ResourceNames.PaymentsDb, bus =>
        {
            bus.AddConsumers(typeof(PaymentsExtensions).Assembly);
        });
        return builder;
    }
}
