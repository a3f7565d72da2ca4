using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace OraServ.ServiceDefaults;

/// <summary>A business rule said no (an issued invoice edited, a job not completed): 409.</summary>
public class ConflictException(string message) : Exception(message);

/// <summary>Another service the request needs did not answer: 503 with Retry-After, and nothing was changed.</summary>
public class DependencyUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A request field is wrong in a way only the domain can tell: 400 naming the field.</summary>
public class FieldException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>Maps the domain's exceptions to problem details; anything else is a bug and a 500.</summary>
internal sealed class DomainExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails? problem = exception switch
        {
            FieldException f => new HttpValidationProblemDetails(new Dictionary<string, string[]> { [f.Field] = [f.Message] })
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "One or more validation errors occurred.",
            },
            ConflictException c => new ProblemDetails { Status = StatusCodes.Status409Conflict, Title = "Conflict", Detail = c.Message },
            DependencyUnavailableException d => new ProblemDetails { Status = StatusCodes.Status503ServiceUnavailable, Title = "Service unavailable", Detail = d.Message },
            BadHttpRequestException { InnerException: JsonException json } => new HttpValidationProblemDetails(
                new Dictionary<string, string[]> { [JsonField(json.Path)] = ["Not a valid value here (wrong type, out of range or malformed JSON)."] })
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "One or more validation errors occurred.",
            },
            BadHttpRequestException b => new ProblemDetails { Status = b.StatusCode, Title = "Bad request", Detail = b.Message },
            _ when DatabaseUnreachable(exception) => new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Service unavailable",
                Detail = "The service cannot reach its database at the moment; nothing was changed. Try again shortly.",
            },
            _ => null,
        };
        if (problem is null)
        {
            return false;
        }
        if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            httpContext.Response.Headers.RetryAfter = "5";
        }
        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    /// <summary>
    /// A restart or fail-over of PostgreSQL (the database driver calls it transient) is not a bug: 503 with Retry-After,
    /// not 500. The fault runs met it while PostgreSQL restarted under load.
    /// </summary>
    private static bool DatabaseUnreachable(Exception exception)
    {
        for (Exception? ex = exception; ex is not null; ex = ex.InnerException)
        {
            if (ex is System.Data.Common.DbException { IsTransient: true })
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>"$.lineItems[0].quantity" -> "lineItems[0].quantity", the name the validators use; the root is "body".</summary>
    private static string JsonField(string? path)
    {
        var field = path is null ? "" : path.TrimStart('$').TrimStart('.');
        return field.Length == 0 ? "body" : field.Length > 200 ? field[..200] : field;
    }
}

public static class ApiDefaultsExtensions
{
    /// <summary>The gateway forwards nothing larger (Gateway:MaxRequestBodyBytes); a service refuses it too if reached directly.</summary>
    public const long MaxRequestBodyBytes = 1024 * 1024;

    public static readonly JsonSerializerOptions Json = ConfigureJson(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions ConfigureJson(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        // The web defaults read "50" as the number 50; an amount sent as text is a wrong type, refused naming the field.
        options.NumberHandling = JsonNumberHandling.Strict;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        return options;
    }

    /// <summary>Authentication, problem details, the exception handler, JSON and OpenAPI for a service's public API.</summary>
    public static TBuilder AddOraServApi<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddOraServAuthentication();
        builder.Services.AddAuthorizationBuilder().AddPolicy(ServiceTokens.DocumentsPolicy, p =>
            p.RequireClaim(OraServClaims.TenantId).RequireRole(Roles.Owner, Roles.Dispatcher, ServiceTokens.Role))
            .AddPolicy(ServiceTokens.ServicesPolicy, p => p.RequireRole(ServiceTokens.Role));
        builder.Services.AddExceptionHandler<DomainExceptionHandler>();
        builder.Services.AddProblemDetails();
        // A body that does not bind (a string for a number, malformed JSON) throws in every environment, so the handler
        // above answers the same 400 naming the field in production as in development.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.ConfigureHttpJsonOptions(o => ConfigureJson(o.SerializerOptions));
        builder.Services.AddOpenApi();
        return builder;
    }

    public static WebApplication UseOraServApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.Use(async (http, next) =>
        {
            if (http.Request.ContentLength > MaxRequestBodyBytes)
            {
                http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails = { Status = StatusCodes.Status413PayloadTooLarge, Title = "Request body too large", Detail = $"Request bodies are limited to {MaxRequestBodyBytes} bytes." },
                });
                return;
            }
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = MaxRequestBodyBytes;
            }
            await next(http);
        });
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOpenApi().AllowAnonymous();
        return app;
    }
}
