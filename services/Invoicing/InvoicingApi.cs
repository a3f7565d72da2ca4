namespace OraServ.Invoicing;

public static class InvoicingApi
{
    public static RouteGroupBuilder MapInvoicingApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Invoicing");
        return api;
    }
}
