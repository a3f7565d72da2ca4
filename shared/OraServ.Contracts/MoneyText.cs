using System.Collections.Concurrent;
using System.Globalization;

namespace OraServ.Contracts;

/// <summary>
/// Amounts as English text prints them (the invoice PDF, the emails): "$1,234.50", "€1,234.50", "CHF 1,234.50",
/// "JPY 1,235", rounded to the currency's own number of decimals (<see cref="Money"/> knows them). A currency that no
/// English-speaking region uses prints with its code.
/// </summary>
public static class MoneyText
{
    private static readonly ConcurrentDictionary<string, NumberFormatInfo> Formats = new(StringComparer.Ordinal);

    /// <summary>The amount in the ISO 4217 currency (any case), e.g. "$1,234.50" for 1234.5 USD.</summary>
    public static string Format(decimal amount, string currency)
    {
        var code = currency.Trim().ToUpperInvariant();
        return Money.Round(amount, code).ToString("C", Formats.GetOrAdd(code, Create));
    }

    private static NumberFormatInfo Create(string code)
    {
        // Invariant rather than en-US: it exists even in globalization-invariant containers.
        var format = (NumberFormatInfo)CultureInfo.InvariantCulture.NumberFormat.Clone();
        format.CurrencyDecimalDigits = Money.MinorDigits(code);
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
