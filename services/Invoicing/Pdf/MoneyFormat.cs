using System.Collections.Concurrent;
using System.Globalization;

namespace OraServ.Invoicing.Pdf;

/// <summary>
/// Formats amounts of an ISO 4217 currency the way an English invoice prints them: "$1,234.50",
/// "€1,234.50", "CHF 1,234.50", with the currency's own number of decimals. A currency that no
/// English-speaking region uses prints with its code: "JPY 1,235", "XYZ 1,234.50".
/// </summary>
internal static class MoneyFormat
{
    private static readonly ConcurrentDictionary<string, NumberFormatInfo> Formats = new(StringComparer.OrdinalIgnoreCase);

    public static string Format(decimal amount, string currency) =>
        amount.ToString("C", Formats.GetOrAdd(currency.Trim(), Create));

    private static NumberFormatInfo Create(string currency)
    {
        var code = currency.ToUpperInvariant();
        // Invariant rather than en-US: it exists even in globalization-invariant containers.
        var format = (NumberFormatInfo)CultureInfo.InvariantCulture.NumberFormat.Clone();
        format.CurrencyPositivePattern = 0; // "$1.00"
        format.CurrencyNegativePattern = 1; // "-$1.00"
        var (english, any) = FindCultures(code);
        // A local symbol of another language (zł, ₩) reads oddly in English text; the code is unambiguous.
        format.CurrencySymbol = english?.NumberFormat.CurrencySymbol ?? code;
        format.CurrencyDecimalDigits = (english ?? any)?.NumberFormat.CurrencyDecimalDigits ?? 2;
        if (format.CurrencySymbol.Any(char.IsLetter))
        {
            format.CurrencyPositivePattern = 2; // "CHF 1.00"
            format.CurrencyNegativePattern = 12; // "CHF -1.00"
        }

        return NumberFormatInfo.ReadOnly(format);
    }

    /// <summary>An English-speaking region using the currency (en-CA for CAD, en-IE for EUR) and any region using it.</summary>
    private static (CultureInfo? English, CultureInfo? Any) FindCultures(string currency)
    {
        CultureInfo? any = null;
        if (currency.Length != 3)
        {
            return (null, any);
        }

        foreach (var culture in CultureInfo.GetCultures(CultureTypes.SpecificCultures))
        {
            RegionInfo region;
            try
            {
                region = new RegionInfo(culture.Name);
            }
            catch (ArgumentException)
            {
                continue;
            }

            if (!string.Equals(region.ISOCurrencySymbol, currency, StringComparison.Ordinal))
            {
                continue;
            }

            if (culture.TwoLetterISOLanguageName == "en")
            {
                return (culture, culture);
            }

            any ??= culture;
        }

        return (null, any);
    }
}
