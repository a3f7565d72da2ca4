using MassTransit;
using OraServ.Contracts;
using OraServ.Messaging;
using OraServ.ServiceDefaults;

namespace OraServ.Automation;

public static class AutomationExtensions
{
    public static WebApplicationBuilder AddAutomation(this WebApplicationBuilder builder)
    {
        builder.AddOraServApi();
        builder.AddOraServDataAndMessaging<AutomationDbContext>(ResourceNames.AutomationDb, bus =>
        {
            bus.AddConsumers(typeof(AutomationExtensions).Assembly);
        });
        return builder;
    }
}
