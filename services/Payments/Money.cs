namespace OraServ.Payments;

/// <summary>The one place where invoice amounts (decimal, ISO currency) become Stripe's integer minor units and back.</summary>
public static class Money
{
    // Stripe's zero-decimal and three-decimal currencies; every other currency has two decimals.
    private static readonly HashSet<string> ZeroDecimal = new(StringComparer.OrdinalIgnoreCase)
    {
        "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF",
    };

    private static readonly HashSet<string> ThreeDecimal = new(StringComparer.OrdinalIgnoreCase) { "BHD", "JOD", "KWD", "OMR", "TND" };

    public static int Decimals(string currency) =>
        ZeroDecimal.Contains(currency) ? 0 : ThreeDecimal.Contains(currency) ? 3 : 2;

    /// <summary>12.34 USD -> 1234; 1234 JPY -> 1234. An amount finer than the currency's unit is a bug upstream, not rounded away.</summary>
    public static long ToMinorUnits(decimal amount, string currency)
    {
        var scaled = amount * Factor(currency);
        if (scaled != decimal.Truncate(scaled))
        {
            throw new ArgumentException($"{amount} {currency} has more decimals than the currency allows.", nameof(amount));
        }
        return (long)scaled;
    }

    public static decimal FromMinorUnits(long minor, string currency) => minor / Factor(currency);

    private static decimal Factor(string currency) => Decimals(currency) switch { 0 => 1m, 3 => 1000m, _ => 100m };
}
