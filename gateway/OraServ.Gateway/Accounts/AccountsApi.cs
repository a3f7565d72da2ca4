using System.Buffers.Text;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using OraServ.ServiceDefaults;

namespace OraServ.Gateway.Accounts;

public sealed record RegisterRequest(string? BusinessName, string? Email, string? Password, string? Currency, string? TimeZone);

public sealed record RegisteredView(Guid TenantId, Guid UserId, string Email, string BusinessName, string Currency, string TimeZone, string Role);

public sealed record LoginRequest(string? Email, string? Password);

/// <summary>An access token; expiresIn in seconds.</summary>
public sealed record TokenView(string AccessToken, string TokenType, int ExpiresIn);

public sealed record MeView(Guid UserId, string Email, string Role, Guid TenantId, string BusinessName, string Currency, string TimeZone);

public sealed record InviteRequest(string? Email, string? Role);

/// <summary>The token is shown once, here; only its hash is kept.</summary>
public sealed record InvitationView(Guid Id, string Email, string Role, string Token, string AcceptUrl, DateTimeOffset ExpiresAt);

public sealed record AcceptInvitationRequest(string? Token, string? Password);

public sealed record UserView(Guid Id, string Email, string Role, DateTimeOffset CreatedAt, bool LockedOut);

public sealed record MemberView(Guid UserId, Guid TenantId, string Email, string Role);

public static class AccountsApi
{
    /// <summary>The per-IP fixed-window limit on the anonymous account routes (sign-up, sign-in, invitation accept).</summary>
    public const string RateLimitPolicy = Protection.Accounts;

    public static readonly TimeSpan InvitationLifetime = TimeSpan.FromDays(7);

    private const string InvalidCredentials = "The email or password is incorrect.";

    public static RouteGroupBuilder MapAccountsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/account").WithTags("Account");

        api.MapPost("/register", Register).AllowAnonymous().RequireRateLimiting(RateLimitPolicy)
            .WithName("Register").WithSummary("Signs a business up: a new tenant and its owner.");
        api.MapPost("/login", Login).AllowAnonymous().RequireRateLimiting(RateLimitPolicy)
            .WithName("Login").WithSummary("An access token for the user, also set as an HttpOnly cookie for the SPA.");
        api.MapPost("/logout", Logout).AllowAnonymous()
            .WithName("Logout").WithSummary("Clears the access cookie.");
        api.MapGet("/me", Me).RequireAuthorization(Roles.MemberPolicy)
            .WithName("GetMe").WithSummary("The signed-in user and their business.");
        api.MapGet("/users", ListUsers).RequireAuthorization(Roles.OwnerPolicy)
            .WithName("ListUsers").WithSummary("The users of the caller's business.");
        api.MapPost("/users", Invite).RequireAuthorization(Roles.OwnerPolicy)
            .WithName("InviteUser").WithSummary("Invites a person to the business with a role; answers a one-time link.");
        api.MapPost("/invitations/accept", AcceptInvitation).AllowAnonymous().RequireRateLimiting(RateLimitPolicy)
            .WithName("AcceptInvitation").WithSummary("Creates the invited user with their password.");
        return api;
    }

    public static async Task<Results<Created<RegisteredView>, ValidationProblem, ProblemHttpResult>> Register(
        RegisterRequest request, GatewayDbContext db, UserManager<GatewayUser> users, TimeProvider time, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var businessName = request.BusinessName?.Trim();
        if (string.IsNullOrEmpty(businessName) || businessName.Length > 200)
        {
            errors["businessName"] = ["A business name of 1 to 200 characters is required."];
        }
        else if (businessName.Any(char.IsControl))
        {
            errors["businessName"] = ["The business name must not contain control characters."];
        }
        var email = AccountRules.Email(request.Email, errors);
        var currency = request.Currency is null ? Currencies.Default : Currencies.Normalize(request.Currency);
        if (currency is null)
        {
            errors["currency"] = [$"'{request.Currency}' is not an ISO 4217 currency code."];
        }
        var timeZone = AccountRules.TimeZone(request.TimeZone, errors);
        await AccountRules.PasswordAsync(users, request.Password, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        if (await users.FindByEmailAsync(email!) is not null)
        {
            return EmailTaken();
        }

        var now = time.GetUtcNow();
        var tenant = new Tenant { BusinessName = businessName!, Currency = currency!, TimeZone = timeZone!, CreatedAt = now };
        var owner = new GatewayUser { TenantId = tenant.Id, Email = email, UserName = email, Role = Roles.Owner, CreatedAt = now };
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.Tenants.Add(tenant);
        await db.SaveChangesAsync(ct);
        await CreateUserAsync(users, owner, request.Password!);
        await transaction.CommitAsync(ct);

        return TypedResults.Created("/api/account/me", new RegisteredView(
            tenant.Id, owner.Id, email!, tenant.BusinessName, tenant.Currency, tenant.TimeZone, owner.Role));
    }

    public static async Task<Results<Ok<TokenView>, ValidationProblem, ProblemHttpResult>> Login(
        LoginRequest request, GatewayDbContext db, UserManager<GatewayUser> users, SignInManager<GatewayUser> signIn,
        AccessTokens tokens, HttpResponse response, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Email))
        {
            errors["email"] = ["An email is required."];
        }
        else if (request.Email.Length > 256 || request.Email.Any(char.IsControl))
        {
            // No account has such an email, and PostgreSQL text cannot even hold a NUL to look it up.
            errors["email"] = ["Not a valid email address."];
        }
        if (string.IsNullOrEmpty(request.Password))
        {
            errors["password"] = ["A password is required."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var user = await users.FindByEmailAsync(request.Email!.Trim());
        if (user is null)
        {
            // Spend the time a password check takes, so that the answer's timing does not tell which emails have accounts.
            users.PasswordHasher.VerifyHashedPassword(new GatewayUser { Role = "" }, AccountRules.DecoyHash, request.Password!);
            return SignInFailed(InvalidCredentials);
        }
        var result = await signIn.CheckPasswordSignInAsync(user, request.Password!, lockoutOnFailure: true);
        if (result.IsLockedOut)
        {
            return SignInFailed("This account is locked after too many failed sign-ins; try again later.", title: "Account locked");
        }
        if (!result.Succeeded)
        {
            return SignInFailed(InvalidCredentials);
        }

        var tenant = await db.Tenants.AsNoTracking().SingleAsync(t => t.Id == user.TenantId, ct);
        var token = tokens.Issue(user, tenant);
        AccessTokens.SetCookie(response, token);
        return TypedResults.Ok(new TokenView(token.AccessToken, "Bearer", (int)token.Lifetime.TotalSeconds));
    }

    public static NoContent Logout(HttpResponse response)
    {
        AccessTokens.ClearCookie(response);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<MeView>, NotFound>> Me(ClaimsPrincipal caller, TenantContext tenant, GatewayDbContext db, CancellationToken ct)
    {
        var userId = AccountRules.UserId(caller);
        var tenantId = tenant.RequiredTenantId;
        var me = await db.Users.AsNoTracking()
            .Where(u => u.Id == userId && u.TenantId == tenantId)
            .Select(u => new MeView(u.Id, u.Email!, u.Role, u.TenantId, u.Tenant.BusinessName, u.Tenant.Currency, u.Tenant.TimeZone))
            .SingleOrDefaultAsync(ct);
        return me is null ? TypedResults.NotFound() : TypedResults.Ok(me);
    }

    public static async Task<Ok<List<UserView>>> ListUsers(TenantContext tenant, GatewayDbContext db, TimeProvider time, CancellationToken ct)
    {
        var tenantId = tenant.RequiredTenantId;
        var now = time.GetUtcNow();
        var list = await db.Users.AsNoTracking()
            .Where(u => u.TenantId == tenantId)
            .OrderBy(u => u.CreatedAt)
            .Select(u => new UserView(u.Id, u.Email!, u.Role, u.CreatedAt, u.LockoutEnd != null && u.LockoutEnd > now))
            .ToListAsync(ct);
        return TypedResults.Ok(list);
    }

    public static async Task<Results<Created<InvitationView>, ValidationProblem, ProblemHttpResult>> Invite(
        InviteRequest request, ClaimsPrincipal caller, TenantContext tenant, GatewayDbContext db, UserManager<GatewayUser> users,
        TimeProvider time, HttpRequest http, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var email = AccountRules.Email(request.Email, errors);
        var role = request.Role?.Trim().ToLowerInvariant();
        if (role is null || !Roles.All.Contains(role))
        {
            errors["role"] = [$"The role must be one of: {string.Join(", ", Roles.All)}."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        if (await users.FindByEmailAsync(email!) is not null)
        {
            return EmailTaken();
        }

        var token = RandomNumberGenerator.GetBytes(32);
        var now = time.GetUtcNow();
        var invitation = new Invitation
        {
            TenantId = tenant.RequiredTenantId,
            Email = email!,
            Role = role!,
            TokenHash = SHA256.HashData(token),
            InvitedBy = AccountRules.UserId(caller),
            CreatedAt = now,
            ExpiresAt = now + InvitationLifetime,
        };
        db.Invitations.Add(invitation);
        await db.SaveChangesAsync(ct);

        var text = Base64Url.EncodeToString(token);
        var acceptUrl = $"{http.Scheme}://{http.Host}/accept-invitation?token={text}";
        return TypedResults.Created("/api/account/users",
            new InvitationView(invitation.Id, invitation.Email, invitation.Role, text, acceptUrl, invitation.ExpiresAt));
    }

    public static async Task<Results<Created<MemberView>, ValidationProblem, ProblemHttpResult>> AcceptInvitation(
        AcceptInvitationRequest request, GatewayDbContext db, UserManager<GatewayUser> users, TimeProvider time, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var now = time.GetUtcNow();
        var invitation = await FindOpenInvitationAsync(db, request.Token, now, ct);
        if (invitation is null)
        {
            errors["token"] = ["This invitation is unknown, used or expired."];
        }
        await AccountRules.PasswordAsync(users, request.Password, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        if (await users.FindByEmailAsync(invitation!.Email) is not null)
        {
            return EmailTaken();
        }

        var user = new GatewayUser
        {
            TenantId = invitation.TenantId,
            Email = invitation.Email,
            UserName = invitation.Email,
            Role = invitation.Role,
            CreatedAt = now,
        };
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // One use only: of two accepts racing, the second updates no row.
        var claimed = await db.Invitations
            .Where(i => i.Id == invitation.Id && i.AcceptedAt == null)
            .ExecuteUpdateAsync(set => set.SetProperty(i => i.AcceptedAt, now), ct);
        if (claimed == 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["token"] = ["This invitation was already used."] });
        }
        await CreateUserAsync(users, user, request.Password!);
        await transaction.CommitAsync(ct);
        return TypedResults.Created("/api/account/me", new MemberView(user.Id, user.TenantId, invitation.Email, user.Role));
    }

    private static async Task<Invitation?> FindOpenInvitationAsync(GatewayDbContext db, string? token, DateTimeOffset now, CancellationToken ct)
    {
        token = token?.Trim();
        if (string.IsNullOrEmpty(token) || token.Length > 100)
        {
            return null;
        }
        var bytes = new byte[Base64Url.GetMaxDecodedLength(token.Length)];
        if (Base64Url.DecodeFromChars(token, bytes, out _, out var written) != System.Buffers.OperationStatus.Done)
        {
            return null;
        }
        var hash = SHA256.HashData(bytes.AsSpan(0, written));
        return await db.Invitations.AsNoTracking()
            .SingleOrDefaultAsync(i => i.TokenHash == hash && i.AcceptedAt == null && i.ExpiresAt > now, ct);
    }

    /// <summary>
    /// Creates the user, or throws what the exception handler answers: 409 for an email taken meanwhile (the unique
    /// index), 400 naming the field for what Identity refuses. The caller's transaction then rolls back.
    /// </summary>
    private static async Task CreateUserAsync(UserManager<GatewayUser> users, GatewayUser user, string password)
    {
        IdentityResult result;
        try
        {
            result = await users.CreateAsync(user, password);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            throw new ConflictException(EmailTakenMessage);
        }
        if (result.Succeeded)
        {
            return;
        }
        if (result.Errors.Any(e => e.Code is nameof(IdentityErrorDescriber.DuplicateEmail) or nameof(IdentityErrorDescriber.DuplicateUserName)))
        {
            throw new ConflictException(EmailTakenMessage);
        }
        var error = result.Errors.First();
        throw new FieldException(error.Code.StartsWith("Password", StringComparison.Ordinal) ? "password" : "email", error.Description);
    }

    private const string EmailTakenMessage = "An account with this email already exists.";

    private static ProblemHttpResult EmailTaken() =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: EmailTakenMessage);

    private static ProblemHttpResult SignInFailed(string detail, string title = "Sign-in failed") =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: title, detail: detail);
}
