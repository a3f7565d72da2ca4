using System.Net.Mail;
using System.Text.RegularExpressions;

namespace OraServ.ServiceDefaults;

/// <summary>Collects field errors at the edge; a request with any answers 400 naming each field and changes nothing.</summary>
public sealed partial class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }
        list.Add(message);
    }

    public IDictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray());

    /// <summary>Required text, trimmed, at most <paramref name="max"/> characters, no control characters.</summary>
    public void Text(string field, string? value, int max, bool required = true)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                Add(field, "Required.");
            }
            return;
        }
        if (value.Length > max)
        {
            Add(field, $"At most {max} characters.");
        }
        if (value.Any(c => char.IsControl(c) && c is not '\n' and not '\r' and not '\t'))
        {
            Add(field, "Must not contain control characters.");
        }
    }

    /// <summary>Optional single-line text (no line breaks: safe in headers and subjects).</summary>
    public void Line(string field, string? value, int max, bool required = true)
    {
        Text(field, value, max, required);
        if (value is not null && value.IndexOfAny(['\r', '\n']) >= 0)
        {
            Add(field, "Must be a single line.");
        }
    }

    public void Email(string field, string? value, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                Add(field, "Required.");
            }
            return;
        }
        if (value.Length > 254 || value.IndexOfAny(['\r', '\n', ' ', ',', ';', '<', '>']) >= 0 ||
            !MailAddress.TryCreate(value, out var address) || address.Address != value || !address.Host.Contains('.'))
        {
            Add(field, "Not a valid email address.");
        }
    }

    /// <summary>E.164: a plus sign and up to 15 digits, e.g. +15551234567.</summary>
    public void Phone(string field, string? value)
    {
        if (!string.IsNullOrEmpty(value) && !E164().IsMatch(value))
        {
            Add(field, "Must be in E.164 format, e.g. +15551234567.");
        }
    }

    public void Range(string field, decimal value, decimal min, decimal max, bool minExclusive = false)
    {
        if (value < min || (minExclusive && value == min) || value > max)
        {
            Add(field, minExclusive ? $"Must be more than {min} and at most {max}." : $"Must be between {min} and {max}.");
        }
    }

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex E164();
}

/// <summary>Enum values as the API spells them: snake_case (in_progress, net_30).</summary>
public static class SnakeCase
{
    public static string Name<TEnum>(TEnum value) where TEnum : struct, Enum =>
        System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    public static bool TryParse<TEnum>(string? text, out TEnum value) where TEnum : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<TEnum>())
        {
            if (string.Equals(Name(candidate), text, StringComparison.OrdinalIgnoreCase))
            {
                value = candidate;
                return true;
            }
        }
        value = default;
        return false;
    }
}
