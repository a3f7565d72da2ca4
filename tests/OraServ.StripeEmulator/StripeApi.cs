using System.Text.Json.Nodes;

namespace OraServ.StripeEmulator;

/// <summary>The /v1 routes of the part of Stripe's API OraServ uses.</summary>
public static class StripeApi
{
    public static RouteGroupBuilder MapStripeApi(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1").AddEndpointFilter(StripeRequestFilter);

        v1.MapPost("/accounts", (StripeStore store, StripeForm form) => store.CreateAccount(form));
        v1.MapGet("/accounts/{id}", (StripeStore store, HttpContext http, string id) => store.GetAccount(AccountOf(http), id));
        v1.MapGet("/account", (StripeStore store, HttpContext http) =>
            AccountOf(http) is { } account ? store.GetAccount(account, account) : throw StripeApiException.Missing("account", "platform"));
        v1.MapPost("/account_links", (StripeStore store, StripeForm form, HttpContext http) =>
            store.CreateAccountLink(form, $"{http.Request.Scheme}://{http.Request.Host}"));

        v1.MapPost("/payment_intents", (StripeStore store, StripeForm form, HttpContext http) => store.CreatePaymentIntent(AccountOf(http), form));
        v1.MapGet("/payment_intents/{id}", (StripeStore store, StripeForm form, HttpContext http, string id) =>
            store.GetPaymentIntent(AccountOf(http), id));
        v1.MapPost("/payment_intents/{id}", (StripeStore store, StripeForm form, HttpContext http, string id) =>
            store.UpdatePaymentIntent(AccountOf(http), id, form));
        v1.MapPost("/payment_intents/{id}/confirm", (StripeStore store, StripeForm form, HttpContext http, string id) =>
            store.ConfirmPaymentIntent(AccountOf(http), id, form));
        v1.MapPost("/payment_intents/{id}/cancel", (StripeStore store, StripeForm form, HttpContext http, string id) =>
            store.CancelPaymentIntent(AccountOf(http), id, form));

        v1.MapGet("/charges/{id}", (StripeStore store, HttpContext http, string id) => store.GetCharge(AccountOf(http), id));
        v1.MapPost("/refunds", (StripeStore store, StripeForm form, HttpContext http) => store.CreateRefund(AccountOf(http), form));
        v1.MapGet("/refunds", (StripeStore store, StripeForm form, HttpContext http) => store.ListRefunds(AccountOf(http), form));
        v1.MapGet("/refunds/{id}", (StripeStore store, HttpContext http, string id) => store.GetRefund(AccountOf(http), id));

        v1.MapPost("/payment_method_domains", (StripeStore store, StripeForm form, HttpContext http) =>
            store.CreatePaymentMethodDomain(AccountOf(http), form));
        v1.MapGet("/payment_method_domains", (StripeStore store, StripeForm form, HttpContext http) =>
            store.ListPaymentMethodDomains(AccountOf(http), form));

        v1.MapGet("/events/{id}", (StripeStore store, HttpContext http, string id) => store.GetEvent(AccountOf(http), id));
        v1.MapGet("/events", (StripeStore store, StripeForm form, HttpContext http) => store.ListEvents(AccountOf(http), form));

        v1.MapFallback(() => Results.Json(
            new StripeApiException(404, "invalid_request_error", null, "Unrecognized request URL. The Stripe emulator does not implement it.").ToJson(),
            statusCode: 404));
        return v1;
    }

    private static string? AccountOf(HttpContext http) =>
        http.Request.Headers["Stripe-Account"].ToString() is { Length: > 0 } account ? account : null;

    /// <summary>
    /// What every Stripe request goes through: the secret key, the Stripe-Account scope, Idempotency-Key replays, and
    /// errors in Stripe's shape.
    /// </summary>
    private static async ValueTask<object?> StripeRequestFilter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var store = http.RequestServices.GetRequiredService<StripeStore>();
        http.Response.Headers["Request-Id"] = StripeStore.NewId("req");
        http.Response.Headers["Stripe-Version"] = http.Request.Headers["Stripe-Version"].ToString() is { Length: > 0 } version
            ? version
            : http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<EmulatorOptions>>().Value.ApiVersion;

        var authorization = http.Request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer sk_test_", StringComparison.Ordinal))
        {
            return Error(new StripeApiException(401, "invalid_request_error", null,
                "Invalid API Key provided. The Stripe emulator accepts any sk_test_ key as a Bearer token."));
        }

        var account = AccountOf(http);
        var key = HttpMethods.IsPost(http.Request.Method) ? http.Request.Headers["Idempotency-Key"].ToString() : "";
        var form = http.Features.Get<StripeForm>();
        var request = $"{http.Request.Method} {http.Request.Path} {form?.Fingerprint}";
        if (key.Length > 0 && store.Replay(account, key) is { } replay)
        {
            if (replay.Request != request)
            {
                return Error(new StripeApiException(400, "idempotency_error", null,
                    "Keys for idempotent requests can only be used with the same parameters they were first used with."));
            }
            http.Response.Headers["Idempotent-Replayed"] = "true";
            return Results.Content(replay.Body, "application/json", statusCode: replay.Status);
        }

        int status;
        JsonObject body;
        try
        {
            store.CheckAccess(account);
            var result = await next(context);
            if (result is not JsonObject json)
            {
                return result;
            }
            (status, body) = (200, json);
        }
        catch (StripeApiException ex)
        {
            (status, body) = (ex.Status, ex.ToJson());
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or KeyNotFoundException)
        {
            (status, body) = (500, new StripeApiException(500, "api_error", null, "The emulator failed: " + ex.Message).ToJson());
        }
        var text = body.ToJsonString();
        // Stripe keeps the first answer for a key, errors included, except errors the caller may retry.
        if (key.Length > 0 && status is not (401 or 409 or 429) && status < 500)
        {
            store.Remember(account, key, new StripeStore.IdempotentResponse(request, status, text));
        }
        return Results.Content(text, "application/json", statusCode: status);
    }

    private static IResult Error(StripeApiException ex) => Results.Content(ex.ToJson().ToJsonString(), "application/json", statusCode: ex.Status);
}
