using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using OraServ.Contracts;

namespace OraServ.Automation;

/// <summary>
/// How a tenant's messages write amounts and dates: a culture derived from the invoice currency and, for currencies
/// several countries share (EUR), the tenant's time zone. USD reads "$1,234.50" and "December 5, 2026";
/// EUR in Europe/Berlin "1.234,50 €" and "5. Dezember 2026".
/// </summary>
public sealed partial class TenantLocale
{
    private static readonly Dictionary<string, string> CultureByCurrency = new(StringComparer.OrdinalIgnoreCase)
    {
        ["USD"] = "en-US", ["CAD"] = "en-CA", ["GBP"] = "en-GB", ["AUD"] = "en-AU", ["NZD"] = "en-NZ", ["EUR"] = "en-IE",
        ["CHF"] = "de-CH", ["JPY"] = "ja-JP", ["MXN"] = "es-MX", ["BRL"] = "pt-BR", ["INR"] = "en-IN", ["ZAR"] = "en-ZA",
        ["SEK"] = "sv-SE", ["NOK"] = "nb-NO", ["DKK"] = "da-DK", ["PLN"] = "pl-PL", ["SGD"] = "en-SG", ["HKD"] = "en-HK",
    };

    /// <summary>Where a shared currency's country is told by the time zone (the euro in Berlin or in Paris).</summary>
    private static readonly Dictionary<string, string> CultureByTimeZone = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Europe/Berlin"] = "de-DE", ["Europe/Paris"] = "fr-FR", ["Europe/Madrid"] = "es-ES", ["Europe/Rome"] = "it-IT",
        ["Europe/Amsterdam"] = "nl-NL", ["Europe/Brussels"] = "nl-BE", ["Europe/Vienna"] = "de-AT", ["Europe/Dublin"] = "en-IE",
        ["Europe/Lisbon"] = "pt-PT", ["Europe/Helsinki"] = "fi-FI", ["Europe/Athens"] = "el-GR", ["Europe/Luxembourg"] = "fr-LU",
        ["America/Toronto"] = "en-CA", ["America/Vancouver"] = "en-CA", ["America/Montreal"] = "fr-CA", ["Europe/Zurich"] = "de-CH",
    };

    private static readonly ConcurrentDictionary<(string, string), TenantLocale> Cache = new();

    private readonly NumberFormatInfo _money;
    private readonly string _datePattern;

    private TenantLocale(CultureInfo culture, string currency)
    {
        Culture = culture;
        var money = (NumberFormatInfo)culture.NumberFormat.Clone();
        money.CurrencyDecimalDigits = OraServ.Contracts.Money.MinorDigits(currency);
        if (!UsesCurrency(culture, currency) || money.CurrencySymbol == "¤")
        {
            // Another country's symbol ($ in Canada for USD) would mislead; the ISO code cannot.
            money.CurrencySymbol = currency;
            money.CurrencyPositivePattern = 2; // "USD 1.00"
        }
        _money = NumberFormatInfo.ReadOnly(money);
        _datePattern = Weekday().Replace(culture.DateTimeFormat.LongDatePattern, "").Trim(' ', ',');
    }

    public CultureInfo Culture { get; }

    public static TenantLocale For(string currency, string? timeZone)
    {
        var code = currency.ToUpperInvariant();
        return Cache.GetOrAdd((code, timeZone ?? ""), key => new TenantLocale(ChooseCulture(key.Item1, key.Item2), key.Item1));
    }

    public string Money(decimal amount) => amount.ToString("C", _money);

    public string Date(DateOnly date) => date.ToString(_datePattern, Culture);

    private static CultureInfo ChooseCulture(string currency, string timeZone)
    {
        if (CultureByTimeZone.TryGetValue(timeZone, out var byZone) && TryCulture(byZone) is { } zoned && UsesCurrency(zoned, currency))
        {
            return zoned;
        }
        if (CultureByCurrency.TryGetValue(currency, out var byCurrency) && TryCulture(byCurrency) is { } known)
        {
            return known;
        }
        var users = CultureInfo.GetCultures(CultureTypes.SpecificCultures).Where(c => UsesCurrency(c, currency)).ToList();
        return users.FirstOrDefault(c => c.TwoLetterISOLanguageName == "en") ?? users.FirstOrDefault() ?? CultureInfo.InvariantCulture;
    }

    private static CultureInfo? TryCulture(string name)
    {
        try
        {
            return CultureInfo.GetCultureInfo(name);
        }
        catch (CultureNotFoundException)
        {
            return null;
        }
    }

    private static bool UsesCurrency(CultureInfo culture, string currency)
    {
        if (culture.Equals(CultureInfo.InvariantCulture))
        {
            return false;
        }
        try
        {
            return string.Equals(new RegionInfo(culture.Name).ISOCurrencySymbol, currency, StringComparison.OrdinalIgnoreCase);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"d{4},?\s*")]
    private static partial Regex Weekday();
}
