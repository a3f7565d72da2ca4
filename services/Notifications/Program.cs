using OraServ.Notifications;
using OraServ.Messaging;
using OraServ.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddNotifications();

var app = builder.Build();
if (await app.MigrateIfRequestedAsync<NotificationsDbContext>())
{
    return;
}

app.UseOraServApi();
app.MapDefaultEndpoints();
app.MapNotificationsApi();
await app.RunAsync();
