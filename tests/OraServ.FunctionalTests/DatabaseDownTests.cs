using System.Net;
using OraServ.Contracts;
using OraServ.Jobs;
using OraServ.Testing;

namespace OraServ.FunctionalTests;

/// <summary>PostgreSQL restarting (issue #9's fault runs): the API says "try again", not "bug".</summary>
public sealed class DatabaseDownTests
{
    [Fact]
    public async Task While_the_database_cannot_be_reached_the_API_answers_503_problem_details_with_Retry_After()
    {
        var servers = await TestServers.SharedAsync();
        // A port where no PostgreSQL listens, as while it restarts.
        var down = $"Host=127.0.0.1;Port={ServerProcess.FreePort()};Username=oraserv;Database={ResourceNames.JobsDb};Timeout=2";
        await using var jobs = new ServiceFactory<JobsDbContext>(servers, ResourceNames.JobsDb,
            settings: new Dictionary<string, string> { [$"ConnectionStrings:{ResourceNames.JobsDb}"] = down });
        using var client = jobs.ClientFor(Guid.CreateVersion7(), "dispatcher");

        using var response = await client.GetAsync("/api/jobs");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
    }
}
