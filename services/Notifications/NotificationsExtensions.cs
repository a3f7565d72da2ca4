using MassTransit;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using OraServ.Contracts;
using OraServ.Messaging;
using OraServ.Notifications.Dashboard;
using OraServ.Notifications.Delivery;
using OraServ.ServiceDefaults;

namespace OraServ.Notifications;

public static class NotificationsExtensions
{
    public static WebApplicationBuilder AddNotifications(this WebApplicationBuilder builder)
    {
        builder.AddOraServApi();
        var pushQueue = $"notifications-dashboard-{Environment.MachineName.ToLowerInvariant()}-{Guid.NewGuid():N}";
        builder.AddOraServDataAndMessaging<NotificationsDbContext>(ResourceNames.NotificationsDb, bus =>
        {
            bus.AddConsumers(type => type != typeof(DashboardPushConsumer), typeof(NotificationsExtensions).Assembly);
            bus.AddConsumer<DashboardPushConsumer>().Endpoint(e =>
            {
                e.Name = pushQueue;
                e.Temporary = true;
            });
        });

        builder.Services.AddReceiveEndpointObserver(sp => new DashboardResync(sp.GetRequiredService<IHubContext<DashboardHub>>(), pushQueue));

        builder.Services.AddOptions<SmtpOptions>().BindConfiguration(SmtpOptions.Section)
            .Validate(o => MimeKit.MailboxAddress.TryParse(o.From, out _), "Smtp:From must be an email address.").ValidateOnStart();
        builder.Services.AddOptions<TwilioOptions>().BindConfiguration(TwilioOptions.Section);
        builder.Services.AddOptions<DeliveryOptions>().BindConfiguration(DeliveryOptions.Section);
        builder.Services.AddSingleton<IEmailSender, SmtpEmailSender>();
        builder.Services.AddSingleton<RecordingSmsSender>();
        builder.Services.AddSingleton<TwilioSmsSender>();
        builder.Services.AddSingleton<ISmsSender>(sp => sp.GetRequiredService<IOptions<TwilioOptions>>().Value.IsConfigured
            ? sp.GetRequiredService<TwilioSmsSender>()
            : sp.GetRequiredService<RecordingSmsSender>());
        builder.Services.AddInvoicePdfClient(ResourceNames.Notifications);
        builder.Services.AddSingleton<Deliveries>();
        builder.Services.AddScoped<TwilioInbound>();
        if (!builder.Configuration.GetValue<bool>("Migrate:Only"))
        {
            builder.Services.AddHostedService<DeliveryWorker>();
        }

        builder.Services.AddSignalR().AddJsonProtocol(o => ApiDefaultsExtensions.ConfigureJson(o.PayloadSerializerOptions));
        // Browsers cannot set headers on a WebSocket: the hub also takes the token from the access_token query string.
        builder.Services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, options =>
        {
            var events = options.Events ?? new JwtBearerEvents();
            var received = events.OnMessageReceived;
            events.OnMessageReceived = async context =>
            {
                await received(context);
                if (context.Token is null && context.HttpContext.Request.Path.StartsWithSegments(DashboardHub.Path)
                    && context.Request.Query["access_token"] is [{ Length: > 0 } token])
                {
                    context.Token = token;
                }
            };
            options.Events = events;
        });
        return builder;
    }
}
