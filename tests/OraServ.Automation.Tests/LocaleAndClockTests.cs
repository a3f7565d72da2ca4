namespace OraServ.Automation.Tests;

/// <summary>Amounts and dates as the tenant reads them; local times across quiet hours and daylight saving.</summary>
public sealed class LocaleAndClockTests
{
    [Theory]
    [InlineData("USD", "America/Chicago", "$1,234.50", "December 5, 2026")]
    [InlineData("CAD", "America/Toronto", "$1,234.50", "December 5, 2026")]
    [InlineData("GBP", "Europe/London", "£1,234.50", "5 December 2026")]
    [InlineData("EUR", "Europe/Berlin", "1.234,50 €", "5. Dezember 2026")]
    [InlineData("JPY", "Asia/Tokyo", "￥1,235", "2026年12月5日")]
    public void Amounts_and_due_dates_follow_the_currency_and_time_zone(string currency, string zone, string amount, string date)
    {
        var locale = TenantLocale.For(currency, zone);
        Assert.Equal(amount, locale.Money(1234.5m).Replace('\u00a0', ' '));
        Assert.Equal(date, locale.Date(new DateOnly(2026, 12, 5)));
    }

    [Theory]
    [InlineData(22, 30, 1, 8)]
    [InlineData(3, 0, 0, 8)]
    [InlineData(20, 59, 0, 20)]
    [InlineData(8, 0, 0, 8)]
    public void Quiet_hours_move_a_send_to_eight_in_the_morning(int hour, int minute, int days, int expectedHour)
    {
        var clock = TenantClock.For("America/Chicago");
        var date = new DateOnly(2026, 12, 5);
        var now = clock.At(date, new TimeOnly(hour, minute));
        var allowed = clock.OutsideQuietHours(now, new TimeOnly(21, 0), new TimeOnly(8, 0));
        Assert.Equal(expectedHour == hour ? now : clock.At(date.AddDays(days), new TimeOnly(expectedHour, 0)), allowed);
    }

    [Fact]
    public void A_local_time_skipped_by_daylight_saving_moves_on_past_the_jump()
    {
        var clock = TenantClock.For("America/Chicago");
        // 2026-03-08 02:30 does not exist in Chicago (02:00 -> 03:00).
        Assert.Equal(new DateTimeOffset(2026, 3, 8, 8, 0, 0, TimeSpan.Zero), clock.At(new DateOnly(2026, 3, 8), new TimeOnly(2, 30)));
        Assert.Equal(new DateTimeOffset(2026, 7, 1, 14, 0, 0, TimeSpan.Zero), clock.At(new DateOnly(2026, 7, 1), new TimeOnly(9, 0)));
    }

    [Fact]
    public void An_unknown_time_zone_falls_back_to_new_york()
    {
        Assert.Equal("America/New_York", TenantClock.For("Mars/Olympus").Zone.Id);
        Assert.Null(TenantClock.NormalizeId("Mars/Olympus"));
    }
}
