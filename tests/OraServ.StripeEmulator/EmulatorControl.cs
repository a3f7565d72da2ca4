using System.Text.Json.Nodes;

namespace OraServ.StripeEmulator;

/// <summary>Test-only controls under /_emulator: webhook endpoints, redelivery for fault tests, disputes, restrictions.</summary>
public static class EmulatorControl
{
    public sealed record EndpointRequest(string Url, string? Secret);

    public sealed record RedeliverRequest(int Times = 1, bool Shuffle = true, string[]? EventIds = null, string[]? Types = null);

    public sealed record DisputeRequest(string Charge, string? Reason);

    public sealed record CloseDisputeRequest(string? Status);

    public sealed record RestrictRequest(string? Reason);

    public static IEndpointRouteBuilder MapEmulatorControl(this IEndpointRouteBuilder app)
    {
        var control = app.MapGroup("/_emulator");

        control.MapGet("/webhook_endpoints", (WebhookDispatcher webhooks) => webhooks.Endpoints);
        control.MapPost("/webhook_endpoints", (EndpointRequest request, WebhookDispatcher webhooks) =>
            webhooks.AddEndpoint(request.Url, request.Secret));
        control.MapDelete("/webhook_endpoints", (string url, WebhookDispatcher webhooks) =>
            webhooks.RemoveEndpoint(url) ? Results.NoContent() : Results.NotFound());

        control.MapGet("/events", (StripeStore store) => store.AllEvents());
        control.MapGet("/deliveries", (WebhookDispatcher webhooks) => new { inFlight = webhooks.InFlight, deliveries = webhooks.Deliveries });

        // Every selected event again, Times copies each, in random order: at-least-once delivery at its worst.
        control.MapPost("/redeliver", (RedeliverRequest request, StripeStore store, WebhookDispatcher webhooks) =>
        {
            var events = store.AllEvents()
                .Where(e => request.EventIds is null || request.EventIds.Contains(e["id"]!.GetValue<string>()))
                .Where(e => request.Types is null || request.Types.Contains(e["type"]!.GetValue<string>()))
                .SelectMany(e => Enumerable.Repeat(e, Math.Clamp(request.Times, 1, 100)))
                .ToArray();
            if (request.Shuffle)
            {
                Random.Shared.Shuffle(events);
            }
            foreach (var evt in events)
            {
                webhooks.Enqueue(evt);
            }
            return new { redelivered = events.Length };
        });

        control.MapPost("/disputes", (DisputeRequest request, StripeStore store) =>
            Guard(() => store.CreateDispute(request.Charge, request.Reason ?? "fraudulent")));
        control.MapPost("/disputes/{id}/close", (string id, CloseDisputeRequest request, StripeStore store) =>
            Guard(() => store.CloseDispute(id, request.Status ?? "")));
        control.MapPost("/accounts/{id}/restrict", (string id, RestrictRequest? request, StripeStore store) =>
            Guard(() => store.RestrictAccount(id, request?.Reason ?? "requirements.past_due")));
        return app;
    }

    private static IResult Guard(Func<JsonObject> action)
    {
        try
        {
            return Results.Content(action().ToJsonString(), "application/json");
        }
        catch (StripeApiException ex)
        {
            return Results.Content(ex.ToJson().ToJsonString(), "application/json", statusCode: ex.Status);
        }
    }
}
