using MassTransit;
using OraServ.Contracts;
using OraServ.Messaging;
using OraServ.ServiceDefaults;

namespace OraServ.Jobs;

public static class JobsExtensions
{
    public static WebApplicationBuilder AddJobs(this WebApplicationBuilder builder)
    {
        builder.AddOraServApi();
        builder.AddOraServDataAndMessaging<JobsDbContext>(ResourceNames.JobsDb, bus =>
        {
            bus.AddConsumers(typeof(JobsExtensions).Assembly);
        });
        return builder;
    }
}
