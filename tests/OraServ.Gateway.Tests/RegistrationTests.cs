using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using OraServ.Gateway.Accounts;

namespace OraServ.Gateway.Tests;

public sealed class RegistrationTests(GatewayApp app) : IClassFixture<GatewayApp>
{
    private readonly HttpClient _client = app.NewClient();

    [Fact]
    public async Task Registering_creates_a_tenant_and_its_owner_with_USD_and_New_York_by_default()
    {
        var email = Accounts.NewEmail();
        var response = await _client.PostAsJsonAsync("/api/account/register", new { businessName = "Acme Plumbing", email, password = Accounts.Password });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var registered = (await response.Content.ReadFromJsonAsync<RegisteredView>())!;
        Assert.Equal("owner", registered.Role);
        Assert.Equal(email, registered.Email);
        Assert.Equal("Acme Plumbing", registered.BusinessName);
        Assert.Equal("USD", registered.Currency);
        Assert.Equal("America/New_York", registered.TimeZone);
        Assert.Equal(7, registered.TenantId.Version);

        var stored = await app.QueryAsync(db => db.Users.Include(u => u.Tenant).SingleAsync(u => u.Id == registered.UserId));
        Assert.Equal(registered.TenantId, stored.TenantId);
        Assert.Equal("owner", stored.Role);
        Assert.NotEqual(Accounts.Password, stored.PasswordHash);
    }

    [Fact]
    public async Task Registering_keeps_the_chosen_currency_and_time_zone()
    {
        var response = await _client.PostAsJsonAsync("/api/account/register", new
        {
            businessName = "Sparks Electric", email = Accounts.NewEmail(), password = Accounts.Password, currency = "eur", timeZone = "Europe/Berlin",
        });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var registered = (await response.Content.ReadFromJsonAsync<RegisteredView>())!;
        Assert.Equal("EUR", registered.Currency);
        Assert.Equal("Europe/Berlin", registered.TimeZone);
    }

    [Fact]
    public async Task Registering_an_email_twice_answers_409_and_writes_nothing()
    {
        var email = Accounts.NewEmail();
        await Accounts.RegisterAsync(_client, email);
        var (tenants, users) = (await app.TenantCountAsync(), await app.UserCountAsync());

        var response = await _client.PostAsJsonAsync("/api/account/register", new { businessName = "Copycat", email = email.ToUpperInvariant(), password = Accounts.Password });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<ProblemDetails>())!;
        Assert.Contains("already exists", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(tenants, await app.TenantCountAsync());
        Assert.Equal(users, await app.UserCountAsync());
    }

    [Fact]
    public async Task Simultaneous_sign_ups_with_one_email_create_one_account_and_the_rest_answer_409()
    {
        var email = Accounts.NewEmail();
        var (tenants, users) = (await app.TenantCountAsync(), await app.UserCountAsync());

        var responses = await Task.WhenAll(Enumerable.Range(1, 6).Select(i =>
            app.NewClient().PostAsJsonAsync("/api/account/register", new { businessName = $"Racer {i}", email, password = Accounts.Password })));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.Created), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        Assert.Equal(tenants + 1, await app.TenantCountAsync());
        Assert.Equal(users + 1, await app.UserCountAsync());
    }

    [Theory]
    [InlineData("not-an-email", "correct horse 42", "email")]
    [InlineData("", "correct horse 42", "email")]
    [InlineData(null, "short1", "password")]
    [InlineData(null, "nodigitsatall", "password")]
    [InlineData(null, "", "password")]
    public async Task Registering_with_bad_input_answers_400_naming_the_field_and_writes_nothing(string? email, string password, string field)
    {
        var (tenants, users) = (await app.TenantCountAsync(), await app.UserCountAsync());

        var response = await _client.PostAsJsonAsync("/api/account/register", new { businessName = "Acme", email = email ?? Accounts.NewEmail(), password });

        await AssertValidationProblemAsync(response, field);
        Assert.Equal(tenants, await app.TenantCountAsync());
        Assert.Equal(users, await app.UserCountAsync());
    }

    [Theory]
    [InlineData("XYZ", null, "currency")]
    [InlineData("dollars", null, "currency")]
    [InlineData(null, "Mars/Olympus_Mons", "timeZone")]
    [InlineData(null, "Eastern Standard Time", "timeZone")]
    public async Task Registering_with_an_unknown_currency_or_time_zone_answers_400_naming_it(string? currency, string? timeZone, string field)
    {
        var response = await _client.PostAsJsonAsync("/api/account/register", new
        {
            businessName = "Acme", email = Accounts.NewEmail(), password = Accounts.Password, currency, timeZone,
        });

        await AssertValidationProblemAsync(response, field);
    }

    [Fact]
    public async Task Registering_without_a_business_name_answers_400_naming_it()
    {
        var response = await _client.PostAsJsonAsync("/api/account/register", new { businessName = "  ", email = Accounts.NewEmail(), password = Accounts.Password });

        await AssertValidationProblemAsync(response, "businessName");
    }

    internal static async Task AssertValidationProblemAsync(HttpResponseMessage response, string field)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<ValidationProblemDetails>())!;
        Assert.Contains(field, problem.Errors.Keys);
    }
}
