namespace OraServ.StripeEmulator;

/// <summary>Builds the emulator; the console entry point and the tests (on a free loopback port) share it.</summary>
public static class StripeEmulatorApp
{
    public const string DefaultUrl = "http://127.0.0.1:12111";

    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }
        builder.Services.Configure<EmulatorOptions>(builder.Configuration.GetSection(EmulatorOptions.Section));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<StripeStore>();
        builder.Services.AddSingleton<WebhookDispatcher>();
        builder.Services.AddHttpClient(WebhookDispatcher.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(10));
        configure?.Invoke(builder);

        var app = builder.Build();
        app.MapStripeApi();
        app.MapEmulatorPages();
        app.MapEmulatorControl();
        return app;
    }
}
