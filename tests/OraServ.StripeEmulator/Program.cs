namespace OraServ.StripeEmulator;

public static class Program
{
    public static async Task Main(string[] args)
    {
        await using var app = StripeEmulatorApp.Create(args);
        await app.RunAsync();
    }
}
