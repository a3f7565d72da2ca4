using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using OraServ.AppHost;

namespace OraServ.EndToEndTests;

/// <summary>The run command's demo business: a newcomer logs in and has completed jobs to invoice at once.</summary>
[Collection(AppHostCollection.Name)]
public sealed class DemoBusinessTests(AppHostFixture fixture)
{
    private const string Email = "demo@oraserv.local";
    private const string Password = "demo-plumbing-2026";

    [Fact]
    public async Task The_demo_business_logs_in_with_Stripe_connected_and_completed_jobs_to_invoice_and_seeding_again_adds_nothing()
    {
        using var demo = new HttpClient { BaseAddress = fixture.Gateway.BaseAddress };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        JsonElement jobs;
        while (true)
        {
            var login = await demo.PostAsJsonAsync("/api/account/login", new { email = Email, password = Password });
            if (login.StatusCode == HttpStatusCode.OK)
            {
                demo.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await Read(login)).GetProperty("accessToken").GetString());
                jobs = await Read(await demo.GetAsync("/api/jobs"));
                if (jobs.GetArrayLength() == 5)
                {
                    break;
                }
            }
            Assert.True(DateTime.UtcNow < deadline, $"The demo business was not seeded: login answered {(int)login.StatusCode}");
            await Task.Delay(500);
        }

        Assert.Equal(["completed", "completed", "completed", "in_progress", "scheduled"],
            jobs.EnumerateArray().Select(j => j.GetProperty("status").GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(4, (await Read(await demo.GetAsync("/api/clients"))).GetArrayLength());
        Assert.Equal("active", (await Read(await demo.GetAsync("/api/payments/stripe/account"))).GetProperty("status").GetString());

        // A second start of the run command finds the business and adds nothing.
        Assert.Equal(3, await DemoBusiness.SeedAsync(fixture.Gateway.BaseAddress!, Email, Password, CancellationToken.None));
        Assert.Equal(5, (await Read(await demo.GetAsync("/api/jobs"))).GetArrayLength());
        Assert.Equal(4, (await Read(await demo.GetAsync("/api/clients"))).GetArrayLength());

        // "Invoice Job" on the water heater: 3.5 h x 95 + 689 + 4 x 12.75 + 45; 8.25 % tax on the materials (689 + 51).
        var heater = jobs.EnumerateArray().Single(j => j.GetProperty("title").GetString() == "Water heater replacement");
        var draft = await Read(await demo.PostAsJsonAsync("/api/invoices", new { jobId = heater.GetProperty("id").GetGuid() }));
        Assert.Equal("draft", draft.GetProperty("status").GetString());
        Assert.Equal(1117.5m, draft.GetProperty("subtotal").GetDecimal());
        Assert.Equal(61.05m, draft.GetProperty("tax").GetDecimal());
        Assert.Equal(1178.55m, draft.GetProperty("total").GetDecimal());
        Assert.Equal(2, await DemoBusiness.SeedAsync(fixture.Gateway.BaseAddress!, Email, Password, CancellationToken.None));
    }

    private static async Task<JsonElement> Read(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {response.RequestMessage?.RequestUri}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
