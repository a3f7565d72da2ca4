using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.IdentityModel.JsonWebTokens;
using OraServ.Gateway.Accounts;

namespace OraServ.Gateway.Tests;

public sealed class LoginTests(GatewayApp app) : IClassFixture<GatewayApp>
{
    private readonly HttpClient _client = app.NewClient();

    [Fact]
    public async Task Login_returns_a_bearer_token_with_the_tenant_role_and_business_that_validates_with_the_shared_key()
    {
        var email = Accounts.NewEmail();
        var registered = await Accounts.RegisterAsync(_client, email, "Acme Plumbing");

        var response = await _client.PostAsJsonAsync("/api/account/login", new { email, password = Accounts.Password });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var token = (await response.Content.ReadFromJsonAsync<TokenView>())!;
        Assert.Equal("Bearer", token.TokenType);
        Assert.Equal(8 * 3600, token.ExpiresIn);
        var validated = await new JsonWebTokenHandler().ValidateTokenAsync(token.AccessToken, app.TokenSettings.ValidationParameters());
        Assert.True(validated.IsValid, validated.Exception?.Message);
        var claims = validated.Claims;
        Assert.Equal(registered.UserId.ToString(), claims["sub"]);
        Assert.Equal(registered.TenantId.ToString(), claims["tenant_id"]);
        Assert.Equal("owner", claims["role"]);
        Assert.Equal(email, claims["email"]);
        Assert.Equal("Acme Plumbing", claims["business_name"]);
        Assert.Equal("USD", claims["currency"]);
        Assert.Equal("America/New_York", claims["time_zone"]);
        Assert.Equal("HS256", ((JsonWebToken)validated.SecurityToken).Alg);
    }

    [Fact]
    public async Task Login_sets_a_secure_http_only_strict_cookie_that_signs_the_browser_in()
    {
        var email = Accounts.NewEmail();
        await Accounts.RegisterAsync(_client, email);
        var browser = app.NewClient();

        var response = await browser.PostAsJsonAsync("/api/account/login", new { email, password = Accounts.Password });

        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("__Host-oraserv-access=", cookie, StringComparison.Ordinal);
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", cookie, StringComparison.OrdinalIgnoreCase);

        var me = await browser.GetFromJsonAsync<MeView>("/api/account/me");
        Assert.Equal(email, me!.Email);
    }

    [Fact]
    public async Task Logout_clears_the_cookie_and_the_browser_is_signed_out()
    {
        var email = Accounts.NewEmail();
        await Accounts.RegisterAsync(_client, email);
        var browser = app.NewClient();
        await Accounts.LoginAsync(browser, email);

        var response = await browser.PostAsync("/api/account/logout", null);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/account/me")).StatusCode);
    }

    [Fact]
    public async Task A_wrong_password_and_an_unknown_user_answer_401_with_the_same_message()
    {
        var email = Accounts.NewEmail();
        await Accounts.RegisterAsync(_client, email);

        var wrongPassword = await _client.PostAsJsonAsync("/api/account/login", new { email, password = "wrong password 1" });
        var unknownUser = await _client.PostAsJsonAsync("/api/account/login", new { email = Accounts.NewEmail("nobody"), password = Accounts.Password });

        Assert.Equal(HttpStatusCode.Unauthorized, wrongPassword.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknownUser.StatusCode);
        var first = (await wrongPassword.Content.ReadFromJsonAsync<ProblemDetails>())!;
        var second = (await unknownUser.Content.ReadFromJsonAsync<ProblemDetails>())!;
        Assert.Equal(first.Detail, second.Detail);
        Assert.Equal(first.Title, second.Title);
        Assert.Equal("application/problem+json", unknownUser.Content.Headers.ContentType?.MediaType);
        Assert.False(wrongPassword.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_even_for_the_right_password()
    {
        var email = Accounts.NewEmail();
        await Accounts.RegisterAsync(_client, email);

        for (var attempt = 1; attempt <= 4; attempt++)
        {
            var wrong = await _client.PostAsJsonAsync("/api/account/login", new { email, password = $"wrong password {attempt}" });
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }
        await _client.PostAsJsonAsync("/api/account/login", new { email, password = "wrong password 5" });

        var right = await _client.PostAsJsonAsync("/api/account/login", new { email, password = Accounts.Password });

        Assert.Equal(HttpStatusCode.Unauthorized, right.StatusCode);
        var problem = (await right.Content.ReadFromJsonAsync<ProblemDetails>())!;
        Assert.Contains("locked", problem.Detail, StringComparison.OrdinalIgnoreCase);
        Assert.False(right.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task A_successful_login_resets_the_failure_count()
    {
        var email = Accounts.NewEmail();
        await Accounts.RegisterAsync(_client, email);
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            await _client.PostAsJsonAsync("/api/account/login", new { email, password = "wrong password x" });
        }
        await Accounts.LoginAsync(_client, email);

        await _client.PostAsJsonAsync("/api/account/login", new { email, password = "wrong password y" });

        await Accounts.LoginAsync(_client, email);
    }

    [Fact]
    public async Task Login_without_an_email_answers_400_naming_it()
    {
        var response = await _client.PostAsJsonAsync("/api/account/login", new { password = Accounts.Password });

        await RegistrationTests.AssertValidationProblemAsync(response, "email");
    }
}
