using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.JsonWebTokens;
using OraServ.Gateway.Accounts;

namespace OraServ.Gateway.Tests;

public sealed class InvitationTests(GatewayApp app) : IClassFixture<GatewayApp>
{
    private readonly HttpClient _client = app.NewClient();

    [Fact]
    public async Task An_invited_dispatcher_accepts_and_signs_in_with_that_role_in_the_owners_business()
    {
        var (owner, ownerToken) = await NewBusinessAsync();
        var email = Accounts.NewEmail("dispatcher");

        var invited = await _client.PostAsJsonAsync("/api/account/users", new { email, role = "dispatcher" }, ownerToken);

        Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        var invitation = (await invited.Content.ReadFromJsonAsync<InvitationView>())!;
        Assert.Equal("dispatcher", invitation.Role);
        Assert.EndsWith($"/accept-invitation?token={invitation.Token}", invitation.AcceptUrl, StringComparison.Ordinal);
        Assert.True(invitation.Token.Length >= 43, "at least 256 random bits");

        var accepted = await _client.PostAsJsonAsync("/api/account/invitations/accept", new { token = invitation.Token, password = "dispatch me 77" });
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        var member = (await accepted.Content.ReadFromJsonAsync<MemberView>())!;
        Assert.Equal(owner.TenantId, member.TenantId);

        var token = new JsonWebToken(await Accounts.LoginAsync(_client, email, "dispatch me 77"));
        Assert.Equal("dispatcher", token.GetClaim("role").Value);
        Assert.Equal(owner.TenantId.ToString(), token.GetClaim("tenant_id").Value);
        Assert.Equal(owner.BusinessName, token.GetClaim("business_name").Value);
    }

    [Fact]
    public async Task An_invitation_works_once()
    {
        var (_, ownerToken) = await NewBusinessAsync();
        var invitation = await InviteAsync(ownerToken, Accounts.NewEmail("tech"), "technician");
        var first = await _client.PostAsJsonAsync("/api/account/invitations/accept", new { token = invitation.Token, password = "first try 123" });
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        var second = await _client.PostAsJsonAsync("/api/account/invitations/accept", new { token = invitation.Token, password = "second try 123" });

        await RegistrationTests.AssertValidationProblemAsync(second, "token");
        await Accounts.LoginAsync(_client, invitation.Email, "first try 123");
    }

    [Fact]
    public async Task An_unknown_invitation_token_answers_400_and_creates_no_user()
    {
        var users = await app.UserCountAsync();

        var response = await _client.PostAsJsonAsync("/api/account/invitations/accept", new { token = "bm90LWEtcmVhbC10b2tlbi1hdC1hbGwtbm90LWF0LWFsbA", password = "some password 1" });

        await RegistrationTests.AssertValidationProblemAsync(response, "token");
        Assert.Equal(users, await app.UserCountAsync());
    }

    [Theory]
    [InlineData("technician")]
    [InlineData("dispatcher")]
    public async Task Only_owners_invite_users(string role)
    {
        var (_, ownerToken) = await NewBusinessAsync();
        var email = Accounts.NewEmail(role);
        var invitation = await InviteAsync(ownerToken, email, role);
        await _client.PostAsJsonAsync("/api/account/invitations/accept", new { token = invitation.Token, password = "member pass 1234" });
        var memberToken = await Accounts.LoginAsync(_client, email, "member pass 1234");
        var invitations = await app.QueryAsync(db => db.Invitations.CountAsync());

        var invite = await _client.PostAsJsonAsync("/api/account/users", new { email = Accounts.NewEmail(), role = "owner" }, memberToken);
        var list = await _client.GetAsync("/api/account/users", memberToken);

        foreach (var response in new[] { invite, list })
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(403, (await response.Content.ReadFromJsonAsync<ProblemDetails>())!.Status);
        }
        Assert.Equal(invitations, await app.QueryAsync(db => db.Invitations.CountAsync()));
    }

    [Fact]
    public async Task Inviting_with_an_unknown_role_or_bad_email_answers_400_naming_the_field()
    {
        var (_, ownerToken) = await NewBusinessAsync();

        var badRole = await _client.PostAsJsonAsync("/api/account/users", new { email = Accounts.NewEmail(), role = "admin" }, ownerToken);
        var badEmail = await _client.PostAsJsonAsync("/api/account/users", new { email = "nope", role = "technician" }, ownerToken);

        await RegistrationTests.AssertValidationProblemAsync(badRole, "role");
        await RegistrationTests.AssertValidationProblemAsync(badEmail, "email");
    }

    [Fact]
    public async Task Inviting_an_email_that_has_an_account_answers_409()
    {
        var (other, _) = await NewBusinessAsync();
        var (_, ownerToken) = await NewBusinessAsync();

        var response = await _client.PostAsJsonAsync("/api/account/users", new { email = other.Email, role = "dispatcher" }, ownerToken);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }

    [Fact]
    public async Task The_owner_lists_the_users_of_their_own_business_only()
    {
        var (owner, ownerToken) = await NewBusinessAsync();
        var (stranger, _) = await NewBusinessAsync();
        var techEmail = Accounts.NewEmail("tech");
        var invitation = await InviteAsync(ownerToken, techEmail, "technician");
        await _client.PostAsJsonAsync("/api/account/invitations/accept", new { token = invitation.Token, password = "tech pass 12345" });

        var users = await _client.GetFromJsonAsyncWithToken<List<UserView>>("/api/account/users", ownerToken);

        Assert.Equal([(owner.Email, "owner"), (techEmail, "technician")], users.Select(u => (u.Email, u.Role)));
        Assert.DoesNotContain(users, u => u.Email == stranger.Email);
    }

    private async Task<(RegisteredView Owner, string Token)> NewBusinessAsync()
    {
        var email = Accounts.NewEmail();
        var owner = await Accounts.RegisterAsync(_client, email, $"Business {Guid.NewGuid():N}"[..20]);
        return (owner, await Accounts.LoginAsync(_client, email));
    }

    private async Task<InvitationView> InviteAsync(string ownerToken, string email, string role)
    {
        var response = await _client.PostAsJsonAsync("/api/account/users", new { email, role }, ownerToken);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<InvitationView>())!;
    }
}

internal static class JsonWithToken
{
    public static async Task<T> GetFromJsonAsyncWithToken<T>(this HttpClient client, string path, string token)
    {
        var response = await client.GetAsync(path, token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<T>())!;
    }
}
