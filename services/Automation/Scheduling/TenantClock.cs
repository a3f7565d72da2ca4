namespace OraServ.Automation;

/// <summary>A tenant's wall clock: its IANA time zone, today's date there, and local times turned into UTC instants.</summary>
public sealed class TenantClock(TimeZoneInfo zone)
{
    public const string DefaultTimeZone = "America/New_York";

    public TimeZoneInfo Zone { get; } = zone;

    /// <summary>The zone of an IANA (or Windows) id; an unknown id falls back to <see cref="DefaultTimeZone"/>.</summary>
    public static TenantClock For(string? timeZoneId) => new(Resolve(timeZoneId) ?? TimeZoneInfo.FindSystemTimeZoneById(DefaultTimeZone));

    /// <summary>The IANA id PostgreSQL and .NET both know, or null when neither form is known.</summary>
    public static string? NormalizeId(string? timeZoneId) => Resolve(timeZoneId) is { } zone
        ? (zone.HasIanaId ? zone.Id : TimeZoneInfo.TryConvertWindowsIdToIanaId(zone.Id, out var iana) ? iana : null)
        : null;

    private static TimeZoneInfo? Resolve(string? id) =>
        !string.IsNullOrWhiteSpace(id) && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : null;

    public DateTime Local(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, Zone).DateTime;

    public DateOnly Today(DateTimeOffset now) => DateOnly.FromDateTime(Local(now));

    /// <summary>The instant the wall clock shows <paramref name="time"/> on <paramref name="date"/>; a time skipped by a DST jump moves on by the jump.</summary>
    public DateTimeOffset At(DateOnly date, TimeOnly time)
    {
        var local = date.ToDateTime(time, DateTimeKind.Unspecified);
        while (Zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(30);
        }
        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, Zone), TimeSpan.Zero);
    }

    /// <summary>
    /// When an SMS may go out: <paramref name="now"/> itself outside quiet hours, otherwise the end of the quiet hours
    /// (nothing between <paramref name="quietStart"/> and <paramref name="quietEnd"/>, local time; the window may span midnight).
    /// </summary>
    public DateTimeOffset OutsideQuietHours(DateTimeOffset now, TimeOnly quietStart, TimeOnly quietEnd)
    {
        if (quietStart == quietEnd)
        {
            return now;
        }
        var local = Local(now);
        var time = TimeOnly.FromDateTime(local);
        var today = DateOnly.FromDateTime(local);
        var spansMidnight = quietStart > quietEnd;
        var quiet = spansMidnight ? time >= quietStart || time < quietEnd : time >= quietStart && time < quietEnd;
        if (!quiet)
        {
            return now;
        }
        var endDate = spansMidnight && time >= quietStart ? today.AddDays(1) : today;
        return At(endDate, quietEnd);
    }
}
