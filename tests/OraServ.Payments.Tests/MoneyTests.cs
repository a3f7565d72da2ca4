using OraServ.Contracts;
using Xunit;

namespace OraServ.Payments.Tests;

public sealed class MoneyTests
{
    [Theory]
    [InlineData(123.45, "USD", 12_345)]
    [InlineData(80, "eur", 8_000)]
    [InlineData(1234, "JPY", 1_234)]
    [InlineData(5000, "KRW", 5_000)]
    [InlineData(1.5, "KWD", 1_500)]
    public void Amounts_become_Stripe_minor_units_by_the_currency_decimals(decimal amount, string currency, long minor)
    {
        Assert.Equal(minor, Money.ToMinorUnits(amount, currency));
        Assert.Equal(amount, Money.FromMinorUnits(minor, currency));
    }

    [Fact]
    public void An_amount_finer_than_the_currency_allows_is_refused_not_rounded()
    {
        Assert.Throws<ArgumentException>(() => Money.ToMinorUnits(10.5m, "JPY"));
        Assert.Throws<ArgumentException>(() => Money.ToMinorUnits(1.005m, "USD"));
    }
}
