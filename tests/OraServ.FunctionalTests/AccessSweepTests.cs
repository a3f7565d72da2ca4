using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OraServ.Contracts;
using OraServ.ServiceDefaults;
using OraServ.Testing;

namespace OraServ.FunctionalTests;

/// <summary>
/// Every authenticated route of every service, found from the services' own endpoint data sources (so a route added
/// later is swept without editing this test): no token -> 401, a technician where a dispatcher or owner is needed
/// -> 403, another tenant's ids -> 404 and nothing changes for the owner of the data.
/// </summary>
[Collection(MoneyPathCollection.Name)]
public sealed partial class AccessSweepTests(MoneyPathFixture fixture) : IAsyncLifetime
{
    private static readonly string[] StaffPolicies = [Roles.DispatcherPolicy, Roles.OwnerPolicy, ServiceTokens.DocumentsPolicy, ServiceTokens.ServicesPolicy];
    private readonly SweptServices _services = new(fixture);

    public Task InitializeAsync() => _services.InitializeAsync();

    public Task DisposeAsync() => _services.DisposeAsync();

    [Fact]
    public async Task Every_authenticated_route_refuses_a_request_without_a_token_with_401_problem_details()
    {
        var swept = 0;
        foreach (var (service, _, services, client) in _services.All())
        {
            using var http = client();
            foreach (var route in AuthenticatedRoutes(services))
            {
                var response = await http.SendAsync(route.Request(Guid.CreateVersion7()));
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{service} {route}: {(int)response.StatusCode}");
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                swept++;
            }
        }
        Assert.True(swept >= 30, $"only {swept} routes found");
    }

    [Fact]
    public async Task Every_staff_route_refuses_a_technician_with_403()
    {
        var tenant = Guid.CreateVersion7();
        var swept = 0;
        foreach (var (service, _, services, client) in _services.All())
        {
            using var http = client();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.For(tenant, Roles.Technician));
            foreach (var route in AuthenticatedRoutes(services).Where(r => r.Policies.Intersect(StaffPolicies).Any()))
            {
                var response = await http.SendAsync(route.Request(Guid.CreateVersion7()));
                Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{service} {route}: {(int)response.StatusCode}");
                swept++;
            }
        }
        Assert.True(swept >= 20, $"only {swept} routes found");
    }

    [Fact]
    public async Task Another_tenants_ids_answer_404_on_every_route_and_change_nothing()
    {
        var tenantA = Guid.CreateVersion7();
        var jobId = await fixture.CompletedJobAsync(tenantA);
        var a = fixture.Invoicing.ClientFor(tenantA);
        var draft = await (await a.PostAsJsonAsync("/api/invoices", new { jobId })).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<MoneyPathFixture.Json>();
        var jobs = fixture.Jobs.ClientFor(tenantA);
        var job = await jobs.GetStringAsync($"/api/jobs/{jobId}");
        var clientId = Guid.Parse(ClientIdPattern().Match(job).Groups[1].Value);
        var ids = new[] { jobId, draft!.Id, clientId };
        var before = await SnapshotAsync(tenantA, jobId, draft.Id, clientId);

        var tenantB = Guid.CreateVersion7();
        foreach (var (service, _, services, client) in _services.All())
        {
            using var http = client();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.For(tenantB, Roles.Owner));
            // A route for services alone refuses any tenant's token (the technician sweep shows it).
            foreach (var route in AuthenticatedRoutes(services).Where(r => r.HasIdParameter && !r.Policies.Contains(ServiceTokens.ServicesPolicy)))
            {
                foreach (var id in ids)
                {
                    var response = await http.SendAsync(route.Request(id));
                    var body = await response.Content.ReadAsStringAsync();
                    if (response.IsSuccessStatusCode)
                    {
                        // Only a route that knows nothing of A's id may answer, and then exactly as for an id nobody has
                        // (B's own default, e.g. a do-not-remind preference): nothing of A shows through.
                        var unknown = Guid.CreateVersion7();
                        var baseline = await (await http.SendAsync(route.Request(unknown))).Content.ReadAsStringAsync();
                        Assert.True(body.Replace(id.ToString(), "ID", StringComparison.Ordinal) == baseline.Replace(unknown.ToString(), "ID", StringComparison.Ordinal),
                            $"{service} {route} with tenant A's {id}: {(int)response.StatusCode} {body}");
                        continue;
                    }
                    Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest,
                        $"{service} {route} with tenant A's {id}: {(int)response.StatusCode} {body}");
                }
            }
        }

        Assert.Equal(before, await SnapshotAsync(tenantA, jobId, draft.Id, clientId));
    }

    private async Task<string> SnapshotAsync(Guid tenant, Guid jobId, Guid invoiceId, Guid clientId)
    {
        var jobs = fixture.Jobs.ClientFor(tenant);
        var invoicing = fixture.Invoicing.ClientFor(tenant);
        return string.Join("\n",
            await jobs.GetStringAsync($"/api/jobs/{jobId}"),
            await jobs.GetStringAsync($"/api/clients/{clientId}"),
            await invoicing.GetStringAsync($"/api/invoices/{invoiceId}"),
            await invoicing.GetStringAsync("/api/invoices"));
    }

    private static IEnumerable<SweptRoute> AuthenticatedRoutes(IServiceProvider services) =>
        services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is null)
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api", StringComparison.Ordinal) == true
                || e.RoutePattern.RawText?.StartsWith("/hubs", StringComparison.Ordinal) == true
                || e.RoutePattern.RawText?.StartsWith("/internal", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(method => new SweptRoute(method, e.RoutePattern.RawText!,
                    [.. e.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).OfType<string>()])));

    private sealed record SweptRoute(string Method, string Pattern, string[] Policies)
    {
        public bool HasIdParameter => Parameter().IsMatch(Pattern);

        public HttpRequestMessage Request(Guid id)
        {
            var path = Parameter().Replace(Pattern, id.ToString());
            var request = new HttpRequestMessage(new HttpMethod(Method), path);
            if (Method is "POST" or "PUT" or "PATCH")
            {
                request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
            }
            return request;
        }

        public override string ToString() => $"{Method} {Pattern}";
    }

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex Parameter();

    [GeneratedRegex("\"clientId\":\"([0-9a-f-]{36})\"")]
    private static partial Regex ClientIdPattern();
}
