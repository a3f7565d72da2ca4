using Scalar.AspNetCore;

namespace OraServ.Gateway;

/// <summary>
/// In development, the API reference of the whole suite at /scalar: each service's OpenAPI document, proxied from
/// the service at /openapi/{service}.json (routes in appsettings.Development.json), and the gateway's own account API.
/// Production neither routes the documents nor maps the page.
/// </summary>
public static class ApiReference
{
    public static readonly string[] Services = ["jobs", "invoicing", "payments", "notifications", "automation"];

    public static WebApplication MapApiReference(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            return app;
        }
        app.MapScalarApiReference(options =>
        {
            options.WithTitle("OraServ API");
            options.AddDocument("v1", "Accounts (gateway)");
            foreach (var service in Services)
            {
                options.AddDocument(service, char.ToUpperInvariant(service[0]) + service[1..]);
            }
        }).AllowAnonymous();
        return app;
    }
}
