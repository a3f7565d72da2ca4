using OraServ.Invoicing;
using OraServ.Messaging;
using OraServ.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddInvoicing();

var app = builder.Build();
if (await app.MigrateIfRequestedAsync<InvoicingDbContext>())
{
    return;
}

app.UseOraServApi();
app.MapDefaultEndpoints();
app.MapInvoicingApi();
app.MapReportsApi();
await app.RunAsync();
