using MassTransit;
using OraServ.Contracts;
using OraServ.Messaging;
using OraServ.ServiceDefaults;

namespace OraServ.Notifications;

public static class NotificationsExtensions
{
    public static WebApplicationBuilder AddNotifications(this WebApplicationBuilder builder)
    {
        builder.AddOraServApi();
        builder.AddOraServDataAndMessaging<NotificationsDbContext>(ResourceNames.NotificationsDb, bus =>
        {
            bus.AddConsumers(typeof(NotificationsExtensions).Assembly);
        });
        return builder;
    }
}
