using OraServ.Gateway;
using OraServ.Gateway.Accounts;
using OraServ.Messaging;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddGateway();

var app = builder.Build();
if (await app.MigrateIfRequestedAsync<GatewayDbContext>())
{
    return;
}

app.UseGateway();
app.MapDefaultEndpoints();
app.MapAccountsApi();
app.MapApiReference();
app.MapSpa();
// The services authenticate and authorize every proxied request themselves; public routes (/api/pay, webhooks) stay public.
app.MapReverseProxy().AllowAnonymous();
await app.RunAsync();
