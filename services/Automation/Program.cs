using OraServ.Automation;
using OraServ.Messaging;
using OraServ.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddAutomation();

var app = builder.Build();
if (await app.MigrateIfRequestedAsync<AutomationDbContext>())
{
    return;
}

app.UseOraServApi();
app.MapDefaultEndpoints();
app.MapAutomationApi();
await app.RunAsync();
