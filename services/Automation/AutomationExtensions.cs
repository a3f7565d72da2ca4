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
        builder.Services.AddOptions<AutomationOptions>().BindConfiguration(AutomationOptions.Section)
            .Validate(o => o.TickInterval > TimeSpan.Zero && o.BatchSize > 0, "Automation:TickInterval and Automation:BatchSize must be positive.");
        builder.Services.AddSingleton<ReminderTemplates>();
        builder.Services.AddScoped<ReminderPlanner>();
        builder.Services.AddScoped<TenantDirectory>();
        builder.Services.AddSingleton<SchedulerStatus>();
        if (!builder.Configuration.GetValue<bool>("Migrate:Only"))
        {
            builder.Services.AddHostedService<ReminderScheduler>();
        }
        return builder;
    }
}
