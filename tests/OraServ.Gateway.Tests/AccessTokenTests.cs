using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Mvc;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OraServ.Gateway.Accounts;
using OraServ.ServiceDefaults;

namespace OraServ.Gateway.Tests;

/// <summary>The shared bearer setup of ServiceDefaults, seen at a protected gateway route.</summary>
public sealed class AccessTokenTests(GatewayApp app) : IClassFixture<GatewayApp>
{
    private readonly HttpClient _client = app.NewClient();

    [Fact]
    public async Task A_valid_token_reads_the_user_and_the_business()
    {
        var email = Accounts.NewEmail();
        var registered = await Accounts.RegisterAsync(_client, email, "Acme Plumbing");
        var token = await Accounts.LoginAsync(_client, email);

        var response = await app.NewClient().GetAsync("/api/account/me", token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var me = (await response.Content.ReadFromJsonAsync<MeView>())!;
        Assert.Equal(new MeView(registered.UserId, email, "owner", registered.TenantId, "Acme Plumbing", "USD", "America/New_York"), me);
    }

    [Fact]
    public async Task No_token_answers_401_problem_details()
    {
        var response = await app.NewClient().GetAsync("/api/account/me");

        await AssertUnauthorizedAsync(response, "required");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task A_tampered_token_answers_401()
    {
        var email = Accounts.NewEmail();
        var registered = await Accounts.RegisterAsync(_client, email);
        var token = await Accounts.LoginAsync(_client, email);
        var parts = token.Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1]))
            .Replace(registered.TenantId.ToString(), Guid.CreateVersion7().ToString(), StringComparison.Ordinal);
        var tampered = $"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}";

        var response = await app.NewClient().GetAsync("/api/account/me", tampered);

        await AssertUnauthorizedAsync(response, "invalid");
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expired_token_answers_401()
    {
        var registered = await Accounts.RegisterAsync(_client);
        var now = DateTime.UtcNow;
        var expired = Sign(registered, app.TokenSettings.Key(), issuedAt: now.AddHours(-9), expires: now.AddHours(-1));

        var response = await app.NewClient().GetAsync("/api/account/me", expired);

        await AssertUnauthorizedAsync(response, "expired");
    }

    [Fact]
    public async Task A_token_signed_with_another_key_answers_401()
    {
        var registered = await Accounts.RegisterAsync(_client);
        var now = DateTime.UtcNow;
        var forged = Sign(registered, new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)), issuedAt: now, expires: now.AddHours(1));

        var response = await app.NewClient().GetAsync("/api/account/me", forged);

        await AssertUnauthorizedAsync(response, "invalid");
    }

    [Fact]
    public async Task An_unsigned_token_answers_401()
    {
        var registered = await Accounts.RegisterAsync(_client);
        var unsigned = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = TokenSettings.Issuer,
            Audience = TokenSettings.Audience,
            Claims = Claims(registered),
        });

        var response = await app.NewClient().GetAsync("/api/account/me", unsigned);

        await AssertUnauthorizedAsync(response, "invalid");
    }

    private static string Sign(RegisteredView user, SecurityKey key, DateTime issuedAt, DateTime expires) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = TokenSettings.Issuer,
            Audience = TokenSettings.Audience,
            IssuedAt = issuedAt,
            NotBefore = issuedAt,
            Expires = expires,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
            Claims = Claims(user),
        });

    private static Dictionary<string, object> Claims(RegisteredView user) => new()
    {
        [OraServClaims.UserId] = user.UserId.ToString(),
        [OraServClaims.TenantId] = user.TenantId.ToString(),
        [OraServClaims.Role] = user.Role,
    };

    private static async Task AssertUnauthorizedAsync(HttpResponseMessage response, string detailWord)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<ProblemDetails>())!;
        Assert.Equal(401, problem.Status);
        Assert.Contains(detailWord, problem.Detail, StringComparison.OrdinalIgnoreCase);
    }
}
