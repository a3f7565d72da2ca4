namespace OraServ.Automation;

public static class AutomationApi
{
    public static RouteGroupBuilder MapAutomationApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Automation");
        return api;
    }
}
