using OraServ.Jobs;
using OraServ.Messaging;
using OraServ.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddJobs();

var app = builder.Build();
if (await app.MigrateIfRequestedAsync<JobsDbContext>())
{
    return;
}

app.UseOraServApi();
app.MapDefaultEndpoints();
app.MapJobsApi();
await app.RunAsync();
