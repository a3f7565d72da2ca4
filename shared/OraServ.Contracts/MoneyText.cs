using System.Collections.Concurrent;
using System.Globalization;

namespace OraServ.Notifications.Delivery;

/// <summary>
/// Amounts as an English email prints them: "$1,234.50", "€1,234.50", "CHF 1,234.50", "JPY 1,235", with the
/// currency's own number of decimals (OraServ.Contracts.Money knows them).
/// </summary>
public static class MoneyText
{
    private static readonly ConcurrentDictionary<string, NumberFormatInfo> Formats = new(StringComparer.Ordinal);

    public static string Format(decimal amount, string currency) =>
        OraServ.Contracts.Money.Round(amount, currency.ToUpperInvariant()).ToString("C", Formats.GetOrAdd(currency.ToUpperInvariant(), Create));

    private static NumberFormatInfo Create(string code)
    {
        // Invariant rather than en-US: it exists even in globalization-invariant containers.
        var format = (NumberFormatInfo)CultureInfo.InvariantCulture.NumberFormat.Clone();
        format.CurrencyDecimalDigits = OraServ.Contracts.Money.MinorDigits(code);
        format.CurrencySymbol = EnglishSymbol(code) ?? code;
        var letters = format.CurrencySymbol.Any(char.IsLetter);
        format.CurrencyPositivePattern = letters ? 2 : 0; // "CHF 1.00" : "$1.00"
        format.CurrencyNegativePattern = letters ? 12 : 1; // "CHF -1.00" : "-$1.00"
        return NumberFormatInfo.ReadOnly(format);
    }

    /// <summary>The symbol an English-speaking region uses for the currency ($ for USD, € for EUR), if any does.</summary>
    private static string? EnglishSymbol(string code)
    {
        if (code == "USD")
        {
            return "$";
        }
        foreach (var culture in CultureInfo.GetCultures(CultureTypes.SpecificCultures))
        {
            if (culture.TwoLetterISOLanguageName != "en")
            {
                continue;
            }
            try
            {
                if (new RegionInfo(culture.Name).ISOCurrencySymbol == code)
                {
                    return culture.NumberFormat.CurrencySymbol;
                }
            }
            catch (ArgumentException)
            {
            }
        }
        return null;
    }
}
