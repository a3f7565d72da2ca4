using System.Net.Mail;
using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using OraServ.ServiceDefaults;

namespace OraServ.Gateway.Accounts;

/// <summary>Input checks of the account routes; each adds its field's message to the errors of a 400.</summary>
public static class AccountRules
{
    public const string DefaultTimeZone = "America/New_York";

    /// <summary>A hash of no one's password, checked when an email has no account so that both answers take as long.</summary>
    public static readonly string DecoyHash =
        new PasswordHasher<GatewayUser>().HashPassword(new GatewayUser { Role = "" }, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)));

    public static string? Email(string? value, Dictionary<string, string[]> errors)
    {
        var email = value?.Trim();
        if (string.IsNullOrEmpty(email))
        {
            errors["email"] = ["An email is required."];
            return null;
        }
        if (email.Length > 256 || !MailAddress.TryCreate(email, out var address) || address.Address != email || !address.Host.Contains('.', StringComparison.Ordinal))
        {
            errors["email"] = [$"'{email}' is not a valid email address."];
            return null;
        }
        return email;
    }

    /// <summary>An IANA time zone id this machine knows (Windows ids are refused, so every service reads the same zone).</summary>
    public static string? TimeZone(string? value, Dictionary<string, string[]> errors)
    {
        var id = string.IsNullOrWhiteSpace(value) ? DefaultTimeZone : value.Trim();
        try
        {
            var zone = TimeZoneInfo.FindSystemTimeZoneById(id);
            if (zone.HasIanaId)
            {
                return zone.Id;
            }
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
        }
        errors["timeZone"] = [$"'{id}' is not an IANA time zone id (e.g. America/New_York)."];
        return null;
    }

    /// <summary>Runs Identity's password rules (IdentityOptions.Password) before anything is written.</summary>
    public static async Task PasswordAsync(UserManager<GatewayUser> users, string? password, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(password))
        {
            errors["password"] = ["A password is required."];
            return;
        }
        var messages = new List<string>();
        foreach (var validator in users.PasswordValidators)
        {
            var result = await validator.ValidateAsync(users, new GatewayUser { Role = "" }, password);
            messages.AddRange(result.Errors.Select(e => e.Description));
        }
        if (messages.Count > 0)
        {
            errors["password"] = [.. messages];
        }
    }

    public static Guid UserId(ClaimsPrincipal caller) =>
        Guid.TryParse(caller.FindFirstValue(OraServClaims.UserId), out var id) ? id : throw new InvalidOperationException("The token has no user id.");
}
