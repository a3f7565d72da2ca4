using System.Net;
using OraServ.Contracts;

namespace OraServ.EndToEndTests;

[Collection(AppHostCollection.Name)]
public sealed class HealthTests(AppHostFixture fixture)
{
    [Fact]
    public async Task Every_service_answers_healthy_through_the_gateway()
    {
        foreach (var service in AppHostFixture.Services)
        {
            var response = await fixture.Gateway.GetAsync($"/health/{service}");
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{service}: {(int)response.StatusCode}");
            Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
        }
        Assert.Equal(HttpStatusCode.OK, (await fixture.Gateway.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task An_api_route_without_a_token_is_refused_by_the_service_behind_the_gateway()
    {
        var response = await fixture.Gateway.GetAsync("/api/invoices");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(ResourceNames.Gateway, ResourceNames.Gateway);
    }
}
