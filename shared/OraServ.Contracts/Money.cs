using System.Globalization;

namespace OraServ.Contracts;

/// <summary>
/// ISO 4217 currencies and their minor units: the one place where amounts are rounded to what a currency can
/// hold and converted to and from the integer minor units payment processors use.
/// </summary>
public static class Money
{
    // Stripe's zero-decimal and three-decimal currencies; every other currency has two decimals.
    private static readonly HashSet<string> ZeroDecimal = new(StringComparer.OrdinalIgnoreCase)
        { "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF" };

    private static readonly HashSet<string> ThreeDecimal = new(StringComparer.OrdinalIgnoreCase) { "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND" };

    private static readonly HashSet<string> Known = BuildKnown();

    /// <summary>True for an ISO 4217 code in use (upper case, e.g. USD).</summary>
    public static bool IsKnownCurrency(string? code) => code is { Length: 3 } && Known.Contains(code);

    /// <summary>Digits after the decimal point: 0 for JPY, 3 for KWD, 2 for most.</summary>
    public static int MinorDigits(string currency) =>
        ZeroDecimal.Contains(currency) ? 0 : ThreeDecimal.Contains(currency) ? 3 : 2;

    /// <summary>Rounds to the currency's minor unit, half away from zero (invoices never use banker's rounding).</summary>
    public static decimal Round(decimal amount, string currency) =>
        Math.Round(amount, MinorDigits(currency), MidpointRounding.AwayFromZero);

    /// <summary>
    /// Amount in minor units: 12.34 USD -> 1234, 1234 JPY -> 1234. An amount finer than the currency's unit is a bug
    /// upstream (amounts are rounded once, per invoice line), so it is refused, not rounded away.
    /// </summary>
    public static long ToMinorUnits(decimal amount, string currency)
    {
        var scaled = amount * Pow10(MinorDigits(currency));
        if (scaled != decimal.Truncate(scaled))
        {
            throw new ArgumentException($"{amount} {currency} has more decimals than the currency allows.", nameof(amount));
        }
        return decimal.ToInt64(scaled);
    }

    /// <summary>Amount from minor units.</summary>
    public static decimal FromMinorUnits(long minor, string currency) => minor / Pow10(MinorDigits(currency));

    private static decimal Pow10(int digits) => digits switch { 0 => 1m, 3 => 1000m, _ => 100m };

    private static HashSet<string> BuildKnown()
    {
        var codes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var culture in CultureInfo.GetCultures(CultureTypes.SpecificCultures))
        {
            try
            {
                codes.Add(new RegionInfo(culture.Name).ISOCurrencySymbol);
            }
            catch (ArgumentException)
            {
            }
        }
        codes.UnionWith(["USD", "EUR", "GBP", "CAD", "AUD", "NZD", "JPY", "CHF", "MXN", "BRL", "INR", "ZAR", "SEK", "NOK", "DKK", "PLN", "KWD", "BHD"]);
        codes.Remove("XDR");
        return codes;
    }
}
