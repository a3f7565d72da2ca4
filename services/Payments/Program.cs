using OraServ.Payments;
using OraServ.Messaging;
using OraServ.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPayments();

var app = builder.Build();
if (await app.MigrateIfRequestedAsync<PaymentsDbContext>())
{
    return;
}

app.UseOraServApi();
app.MapDefaultEndpoints();
app.MapPaymentsApi();
await app.RunAsync();
