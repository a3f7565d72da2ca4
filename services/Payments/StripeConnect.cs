using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OraServ.Contracts;
using OraServ.Messaging;
using OraServ.ServiceDefaults;
using Stripe;

namespace OraServ.Payments;

/// <summary>Connect onboarding: the tenant's account (created once), its single-use account links, and its status.</summary>
public sealed class StripeConnect(
    PaymentsDbContext db,
    IStripeClient stripe,
    TenantContext tenant,
    IOptions<PaymentsSettings> settings,
    TimeProvider time,
    ILogger<StripeConnect> logger)
{
    public async Task<string> StartOnboardingAsync(string publicBaseUrl, CancellationToken ct)
    {
        var tenantId = tenant.RequiredTenantId;
        var account = await db.ConnectedAccounts.SingleOrDefaultAsync(ct) ?? await CreateAccountAsync(tenantId, ct);
        return await NewOnboardingLinkAsync(account, publicBaseUrl, ct);
    }

    private async Task<ConnectedAccount> CreateAccountAsync(Guid tenantId, CancellationToken ct)
    {
        // The idempotency key is the tenant's: a retried or doubled click gets the same Stripe account back.
        var created = await new AccountService(stripe).CreateAsync(new AccountCreateOptions
        {
            Controller = new AccountControllerOptions
            {
                Fees = new AccountControllerFeesOptions { Payer = "account" },
                Losses = new AccountControllerLossesOptions { Payments = "stripe" },
                RequirementCollection = "stripe",
                StripeDashboard = new AccountControllerStripeDashboardOptions { Type = "full" },
            },
            Metadata = new Dictionary<string, string> { ["tenant_id"] = tenantId.ToString() },
        }, new RequestOptions { IdempotencyKey = $"connect-account-{tenantId}" }, ct);

        var account = new ConnectedAccount
        {
            TenantId = tenantId,
            StripeAccountId = created.Id,
            CreatedAt = time.GetUtcNow(),
        };
        Apply(account, created, time.GetUtcNow());
        db.ConnectedAccounts.Add(account);
        try
        {
            await db.SaveChangesAsync(ct);
            return account;
        }
        catch (DbUpdateException)
        {
            // A concurrent request stored the same account first.
            db.ChangeTracker.Clear();
            return await db.ConnectedAccounts.SingleAsync(ct);
        }
    }

    /// <summary>Account links are single-use and expire in minutes; each one gets a fresh state for refresh/return.</summary>
    public async Task<string> NewOnboardingLinkAsync(ConnectedAccount account, string publicBaseUrl, CancellationToken ct)
    {
        account.OnboardingState = RandomNumberGenerator.GetHexString(32, lowercase: true);
        await db.SaveChangesAsync(ct);
        var baseUrl = (settings.Value.PublicBaseUrl ?? publicBaseUrl).TrimEnd('/');
        var link = await new AccountLinkService(stripe).CreateAsync(new AccountLinkCreateOptions
        {
            Account = account.StripeAccountId,
            Type = "account_onboarding",
            RefreshUrl = $"{baseUrl}/api/payments/stripe/refresh?state={account.OnboardingState}",
            ReturnUrl = $"{baseUrl}/api/payments/stripe/return?state={account.OnboardingState}",
        }, cancellationToken: ct);
        return link.Url;
    }

    /// <summary>The account whose onboarding state is in a redirect; the tenant scope is taken from it.</summary>
    public async Task<ConnectedAccount?> FindByStateAsync(string? state, CancellationToken ct)
    {
        // Ours are 32 lowercase hex digits; anything else (a NUL PostgreSQL would refuse, a megabyte) is nobody's.
        if (state is not { Length: 32 } || !state.All(char.IsAsciiHexDigitLower))
        {
            return null;
        }
        var account = await db.ConnectedAccounts.IgnoreQueryFilters().SingleOrDefaultAsync(a => a.OnboardingState == state, ct);
        if (account is not null)
        {
            tenant.Use(account.TenantId);
        }
        return account;
    }

    /// <summary>Reads the account from Stripe (returning from onboarding does not mean it is finished) and stores its status.</summary>
    public async Task RefreshStatusAsync(ConnectedAccount account, CancellationToken ct)
    {
        var read = await new AccountService(stripe).GetAsync(account.StripeAccountId, cancellationToken: ct);
        Apply(account, read, time.GetUtcNow());
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Copies Stripe's account state; publishes StripeAccountStatusChanged when the status or a flag changed.</summary>
    public void Apply(ConnectedAccount account, Account read, DateTimeOffset asOf)
    {
        var status = AccountStatus.From(read.ChargesEnabled, read.DetailsSubmitted, read.Requirements?.DisabledReason);
        var changed = status != account.Status || read.ChargesEnabled != account.ChargesEnabled || read.PayoutsEnabled != account.PayoutsEnabled
            || db.Entry(account).State == EntityState.Detached;
        account.Status = status;
        account.ChargesEnabled = read.ChargesEnabled;
        account.PayoutsEnabled = read.PayoutsEnabled;
        account.DetailsSubmitted = read.DetailsSubmitted;
        account.DisabledReason = read.Requirements?.DisabledReason;
        account.StatusAsOf = asOf;
        if (changed)
        {
            logger.LogInformation("Stripe account {AccountId} of tenant {TenantId} is {Status}", account.StripeAccountId, account.TenantId, status);
            db.Publish(new StripeAccountStatusChanged
            {
                TenantId = account.TenantId,
                AccountId = account.StripeAccountId,
                Status = status,
                ChargesEnabled = read.ChargesEnabled,
                PayoutsEnabled = read.PayoutsEnabled,
            });
        }
    }
}
