using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using OraServ.Jobs;
using OraServ.ServiceDefaults;
using OraServ.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace OraServ.FunctionalTests;

[Collection(MoneyPathCollection.Name)]
public sealed class JobsTests(MoneyPathFixture fixture)
{
    private static readonly JsonSerializerOptions Json = ApiDefaultsExtensions.Json;

    [Fact]
    public async Task A_technician_works_on_the_jobs_assigned_to_them_and_sees_no_other()
    {
        var tenant = Guid.CreateVersion7();
        var dispatcher = fixture.Jobs.ClientFor(tenant, "dispatcher");
        var (alex, sam) = (Guid.CreateVersion7(), Guid.CreateVersion7());
        var client = await (await dispatcher.PostAsJsonAsync("/api/clients", new { firstName = "Kim", lastName = "Ng" })).Content.ReadFromJsonAsync<MoneyPathFixture.Json>();
        var alexsJob = await (await dispatcher.PostAsJsonAsync("/api/jobs", new { clientId = client!.Id, title = "Leak", assignedTo = alex, lineItems = MoneyPathFixture.DefaultLines })).Content.ReadFromJsonAsync<JobResponse>(Json);
        var samsJob = await (await dispatcher.PostAsJsonAsync("/api/jobs", new { clientId = client.Id, title = "Boiler", assignedTo = sam, lineItems = MoneyPathFixture.DefaultLines })).Content.ReadFromJsonAsync<JobResponse>(Json);
        var technician = fixture.Jobs.CreateClient();
        technician.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.For(tenant, Roles.Technician, userId: alex));

        var listed = await technician.GetFromJsonAsync<List<JobResponse>>("/api/jobs", Json);
        var items = await technician.PutAsJsonAsync($"/api/jobs/{alexsJob!.Id}/items", new { lineItems = new[] { new { kind = "labor", description = "Fix leak", quantity = 1.5m, unitPrice = 90m } } });
        var completed = await technician.PostAsJsonAsync($"/api/jobs/{alexsJob.Id}/complete", new { notes = "Done" });

        Assert.Equal([alexsJob.Id], listed!.Select(j => j.Id));
        Assert.Equal(HttpStatusCode.OK, items.StatusCode);
        Assert.Equal(JobStatus.Completed, (await completed.Content.ReadFromJsonAsync<JobResponse>(Json))!.Status);
        Assert.Equal(HttpStatusCode.NotFound, (await technician.GetAsync($"/api/jobs/{samsJob!.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await technician.PostAsJsonAsync($"/api/jobs/{samsJob.Id}/complete", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await technician.PostAsJsonAsync("/api/jobs", new { clientId = client.Id, title = "x", lineItems = MoneyPathFixture.DefaultLines })).StatusCode);
        var sams = await dispatcher.GetFromJsonAsync<JobResponse>($"/api/jobs/{samsJob.Id}", Json);
        Assert.Equal(JobStatus.Scheduled, sams!.Status);
    }

    [Fact]
    public async Task A_completed_job_cannot_be_edited_and_completing_twice_publishes_once()
    {
        var tenant = Guid.CreateVersion7();
        var jobId = await fixture.CompletedJobAsync(tenant);
        var jobs = fixture.Jobs.ClientFor(tenant, "dispatcher");

        var again = await jobs.PostAsJsonAsync($"/api/jobs/{jobId}/complete", new { });
        var edit = await jobs.PutAsJsonAsync($"/api/jobs/{jobId}/items", new { lineItems = MoneyPathFixture.DefaultLines });

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, edit.StatusCode);
        await using var scope = fixture.Jobs.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<JobsDbContext>();
        var events = await db.OutboxMessages.CountAsync(m => m.TenantId == tenant && m.Type == typeof(OraServ.Contracts.JobCompleted).FullName);
        Assert.Equal(1, events);
    }
}
