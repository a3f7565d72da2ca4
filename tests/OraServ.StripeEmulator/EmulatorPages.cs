using System.Net;
using Microsoft.AspNetCore.WebUtilities;

namespace OraServ.StripeEmulator;

/// <summary>
/// The pages a person sees where Stripe would host them: Connect onboarding behind an account link, and a test card form
/// for a payment intent (what the pay page embeds or redirects to offline).
/// </summary>
public static class EmulatorPages
{
    /// <summary>Test card numbers Stripe documents, mapped to the test payment methods they stand for.</summary>
    private static readonly Dictionary<string, string> TestCards = new()
    {
        ["4242424242424242"] = "pm_card_visa",
        ["5555555555554444"] = "pm_card_mastercard",
        ["4000000000000002"] = "pm_card_visa_chargeDeclined",
    };

    public static IEndpointRouteBuilder MapEmulatorPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/onboarding/{linkId}", ShowOnboarding);
        app.MapPost("/onboarding/{linkId}", CompleteOnboarding).DisableAntiforgery();
        app.MapGet("/pay/{paymentIntentId}", ShowPayForm);
        app.MapPost("/pay/{paymentIntentId}", Pay).DisableAntiforgery();
        return app;
    }

    private static IResult ShowOnboarding(string linkId, StripeStore store)
    {
        var link = store.FindOnboardingLink(linkId);
        if (link is null)
        {
            return Results.NotFound();
        }
        if (!link.Usable)
        {
            return Results.Redirect(link.RefreshUrl);
        }
        return Html("Connect your Stripe account", $"""
            <h1>Stripe Connect onboarding (emulator)</h1>
            <p>Account <code>{Encode(link.AccountId)}</code></p>
            <form method="post" action="/onboarding/{Encode(linkId)}">
              <label>Business name <input name="business_name" value="{Encode(link.BusinessName ?? "")}"></label>
              <button type="submit" id="complete">Complete onboarding</button>
            </form>
            """);
    }

    private static async Task<IResult> CompleteOnboarding(string linkId, HttpRequest request, StripeStore store)
    {
        if (store.FindOnboardingLink(linkId) is null)
        {
            return Results.NotFound();
        }
        var businessName = request.HasFormContentType ? (await request.ReadFormAsync())["business_name"].ToString() : null;
        return Results.Redirect(store.CompleteOnboarding(linkId, businessName));
    }

    private static IResult ShowPayForm(string paymentIntentId, string? client_secret, string? return_url, StripeStore store)
    {
        if (client_secret is null)
        {
            return Results.NotFound();
        }
        try
        {
            var intent = store.GetPaymentIntent(null, paymentIntentId, client_secret);
            var amount = intent["amount"]!.AsLong();
            var currency = intent["currency"]!.GetValue<string>().ToUpperInvariant();
            var status = intent["status"]!.GetValue<string>();
            var error = intent["last_payment_error"]?["message"]?.GetValue<string>();
            return Html("Pay", $"""
                <h1>Test payment (Stripe emulator)</h1>
                <p>Amount: <strong id="amount">{amount}</strong> {Encode(currency)} (smallest currency unit)</p>
                <p>Status: <strong id="status">{Encode(status)}</strong></p>
                {(error is null ? "" : $"<p id=\"error\" role=\"alert\">{Encode(error)}</p>")}
                {(status is "succeeded" or "canceled" ? "" : $"""
                <form method="post" action="/pay/{Encode(paymentIntentId)}">
                  <input type="hidden" name="client_secret" value="{Encode(client_secret)}">
                  <input type="hidden" name="return_url" value="{Encode(return_url ?? "")}">
                  <label>Card number <input name="card_number" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242"></label>
                  <label>Expiry <input name="exp" placeholder="12 / 34"></label>
                  <label>CVC <input name="cvc" placeholder="123"></label>
                  <button type="submit" id="pay">Pay</button>
                </form>
                <p>4242 4242 4242 4242 succeeds; 4000 0000 0000 0002 is declined.</p>
                """)}
                """);
        }
        catch (StripeApiException)
        {
            return Results.NotFound();
        }
    }

    private static async Task<IResult> Pay(string paymentIntentId, HttpRequest request, StripeStore store)
    {
        var form = await request.ReadFormAsync();
        var clientSecret = form["client_secret"].ToString();
        var returnUrl = form["return_url"].ToString();
        string? account;
        try
        {
            account = store.OwnerOf(paymentIntentId, clientSecret);
        }
        catch (StripeApiException)
        {
            return Results.NotFound();
        }
        var number = new string(form["card_number"].ToString().Where(char.IsDigit).ToArray());
        if (!TestCards.TryGetValue(number, out var paymentMethod))
        {
            return Html("Pay", $"""<p id="error" role="alert">Your card number is invalid. Use a test card.</p><a href="/pay/{Encode(paymentIntentId)}?client_secret={Encode(clientSecret)}">Back</a>""", 400);
        }

        string redirectStatus;
        try
        {
            store.ConfirmPaymentIntent(account, paymentIntentId, StripeForm.From([new("payment_method", paymentMethod)]));
            redirectStatus = "succeeded";
        }
        catch (StripeApiException ex) when (ex.Status == 402)
        {
            redirectStatus = "failed";
        }
        catch (StripeApiException ex)
        {
            return Html("Pay", $"""<p id="error" role="alert">{Encode(ex.Message)}</p>""", ex.Status);
        }

        if (returnUrl.Length > 0)
        {
            return Results.Redirect(QueryHelpers.AddQueryString(returnUrl, new Dictionary<string, string?>
            {
                ["payment_intent"] = paymentIntentId,
                ["payment_intent_client_secret"] = clientSecret,
                ["redirect_status"] = redirectStatus,
            }));
        }
        return Results.Redirect($"/pay/{Uri.EscapeDataString(paymentIntentId)}?client_secret={Uri.EscapeDataString(clientSecret)}");
    }

    private static string Encode(string value) => WebUtility.HtmlEncode(value);

    private static IResult Html(string title, string body, int status = 200) => Results.Content($"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{Encode(title)}</title>
        <style>body{"{"}font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem{"}"}label{"{"}display:block;margin:.5rem 0{"}"}input{"{"}width:100%;padding:.5rem{"}"}button{"{"}padding:.6rem 1.2rem;margin-top:1rem{"}"}</style>
        </head><body>{body}</body></html>
        """, "text/html; charset=utf-8", statusCode: status);
}
