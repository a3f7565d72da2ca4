using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;

namespace OraServ.Gateway;

/// <summary>
/// Serves the built web app (gateway/web/dist): its files, and index.html for the app's own routes (/pay/{token},
/// /invoices/{id}, /settings/integrations ...), so that a link or a reload lands on the page it names.
/// </summary>
public static class Spa
{
    /// <summary>The folder of the built app; relative paths are from the gateway's content root.</summary>
    public const string PathSetting = "Gateway:SpaPath";

    private const string DefaultPath = "../web/dist";

    /// <summary>Server paths: an unknown one answers 404, never the app's page.</summary>
    private static readonly string[] ServerPrefixes = ["/api", "/hubs", "/webhooks", "/health", "/alive", "/openapi"];

    // Stripe.js and its Payment Element load from js.stripe.com, call api.stripe.com and frame js.stripe.com and
    // hooks.stripe.com (3-D Secure); https://docs.stripe.com/security/guide#content-security-policy.
    // Stripe.js styles its mount points inline. The app's own frame is the invoice PDF preview, a blob: of the PDF
    // it fetched. Nothing may frame the app (clickjacking).
    private const string ContentSecurityPolicy =
        "default-src 'self'; " +
        "script-src 'self' https://js.stripe.com; " +
        "style-src 'self' 'unsafe-inline'; " +
        "img-src 'self' data: https://*.stripe.com; " +
        "font-src 'self'; " +
        "connect-src 'self' https://api.stripe.com https://m.stripe.network; " +
        "frame-src 'self' blob: https://js.stripe.com https://hooks.stripe.com; " +
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public static WebApplication MapSpa(this WebApplication app)
    {
        var configured = app.Configuration[PathSetting];
        var root = Path.GetFullPath(string.IsNullOrWhiteSpace(configured) ? DefaultPath : configured, app.Environment.ContentRootPath);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(Spa));
        if (!File.Exists(Path.Combine(root, "index.html")))
        {
            logger.LogWarning("The web app is not built at {SpaPath}: run `npm ci && npm run build` in gateway/web, or set {Setting}.", root, PathSetting);
        }

        // Files are looked up per request, so a build made after the gateway started is served, and none is no crash.
        var contentTypes = new FileExtensionContentTypeProvider();
        app.MapMethods("/{**path}", [HttpMethods.Get, HttpMethods.Head], (HttpContext http, string? path) => Serve(http, path, root, contentTypes))
            .WithOrder(int.MaxValue)
            .AllowAnonymous()
            .ExcludeFromDescription()
            .WithDisplayName("Web app");
        return app;
    }

    private static IResult Serve(HttpContext http, string? path, string root, FileExtensionContentTypeProvider contentTypes)
    {
        var requestPath = http.Request.Path;
        if (ServerPrefixes.Any(prefix => requestPath.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase)))
        {
            return Results.NotFound();
        }

        var response = http.Response;
        if (!string.IsNullOrEmpty(path) && !path.EndsWith('/'))
        {
            var file = Find(root, path);
            if (file is not null && contentTypes.TryGetContentType(file.Name, out var contentType))
            {
                // Vite names every built asset by its content hash: a changed file is a new URL.
                response.Headers.CacheControl = path.StartsWith("assets/", StringComparison.Ordinal)
                    ? "public, max-age=31536000, immutable"
                    : "public, max-age=3600";
                if (contentType.StartsWith("text/html", StringComparison.Ordinal))
                {
                    AddPageHeaders(response);
                }
                return Send(file, contentType);
            }
            // A missing asset (a stale hash after a deploy) is a 404, not the app's page in its place.
            if (Path.HasExtension(path))
            {
                return Results.NotFound();
            }
        }

        var index = Find(root, "index.html");
        if (index is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "The web app is not built",
                detail: "Run `npm ci && npm run build` in gateway/web.");
        }
        // The page names the current hashed assets, so it is revalidated on every load.
        response.Headers.CacheControl = "no-cache";
        AddPageHeaders(response);
        return Send(index, "text/html; charset=utf-8");
    }

    /// <summary>The file at a request path inside the app's folder, or null; a path that climbs out of it is never served.</summary>
    private static FileInfo? Find(string root, string path)
    {
        var full = Path.GetFullPath(Path.Combine(root, path));
        if (!full.StartsWith(Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            return null;
        }
        var file = new FileInfo(full);
        return file.Exists && !file.Name.StartsWith('.') ? file : null;
    }

    private static IResult Send(FileInfo file, string contentType) =>
        Results.File(file.FullName, contentType, lastModified: file.LastWriteTimeUtc,
            entityTag: new EntityTagHeaderValue($"\"{file.LastWriteTimeUtc.Ticks:x}-{file.Length:x}\""));

    private static void AddPageHeaders(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XFrameOptions = "DENY";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(self \"https://js.stripe.com\")";
        headers["Cross-Origin-Opener-Policy"] = "same-origin-allow-popups";
    }
}
