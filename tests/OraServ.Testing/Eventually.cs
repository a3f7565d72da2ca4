namespace OraServ.Testing;

/// <summary>Polls until a condition holds (webhooks and messages cross real servers), failing with what was awaited.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, Action? nudge = null, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        for (var round = 1; !await condition(); round++)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }
            if (round % 10 == 0)
            {
                nudge?.Invoke();
            }
            await Task.Delay(50);
        }
    }
}
