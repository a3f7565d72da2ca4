using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OraServ.Contracts;
using OraServ.Testing;
using Xunit.Abstractions;

namespace OraServ.Gateway.Tests;

/// <summary>
/// Bad input on every operation of the gateway's own OpenAPI document (sign-up, sign-in, invitations, users), generated
/// like the services' sweep (<see cref="BadInputSweep"/>): sent as a signed-in owner, or without a token on the public
/// routes. Never a 5xx; every 4xx is problem details naming the field; a refused request writes nothing at all: no
/// tenant, user or invitation (a failed sign-in still counts towards lockout, which is its purpose).
/// </summary>
public sealed class BadInputSweepTests(GatewayApp app, ITestOutputHelper output) : IClassFixture<GatewayApp>
{
    private static readonly string[] LockoutBookkeeping = ["AccessFailedCount", "LockoutEnd", "ConcurrencyStamp"];

    [Fact]
    public async Task Bad_input_on_every_account_route_answers_4xx_problem_details_and_writes_nothing()
    {
        using var client = app.NewClient();
        var email = Accounts.NewEmail();
        await Accounts.RegisterAsync(client, email);
        var token = await Accounts.LoginAsync(client, email);
        var cases = await BadInputSweep.CasesAsync(client, app.Services, new Dictionary<string, Guid>());
        var routes = cases.Select(c => $"{c.Method} {c.Path.Split('?')[0]}").ToHashSet();
        var connectionString = app.Services.GetRequiredService<IConfiguration>().GetConnectionString(ResourceNames.GatewayDb)!;
        var tenants = await app.TenantCountAsync();
        var api = new SweptApi("gateway", app.NewClient, token, await DatabaseSnapshot.OpenAsync(connectionString, tenant: null, LockoutBookkeeping), cases);

        var (sent, findings) = await BadInputSweep.RunAsync([api]);

        findings.ForEach(output.WriteLine);
        output.WriteLine($"{sent} bad requests on {string.Join(", ", routes)}, {findings.Count} findings");
        Assert.Contains("POST /api/account/register", routes);
        Assert.Contains("POST /api/account/login", routes);
        Assert.Contains("POST /api/account/users", routes);
        Assert.Contains("POST /api/account/invitations/accept", routes);
        Assert.True(sent >= 150, $"only {sent} bad requests generated");
        Assert.True(findings.Count == 0, string.Join("\n", findings.Take(200)));
        // Of all the sign-ups, only those with a plausible body (an emoji in the business name) made a business: one, as
        // the email of the rest was then taken.
        Assert.InRange(await app.TenantCountAsync() - tenants, 0, 1);
    }
}
