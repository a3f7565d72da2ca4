using System.Net;
using System.Net.Http.Headers;
using OraServ.Contracts;
using OraServ.ServiceDefaults;

namespace OraServ.Payments;

/// <summary>
/// Asks Invoicing for an issued invoice by its pay token, for a pay link opened before InvoiceIssued reached Payments
/// (the email with the link travels on the same event through Notifications, and may be quicker). Invoicing reads a
/// job it has not taken in from Jobs the same way. Service discovery and the standard resilience pipeline come from
/// the service defaults; the service token names no tenant, since the pay token names it.
/// </summary>
public sealed class IssuedInvoices(HttpClient http, TokenSettings tokens, TimeProvider time)
{
    /// <summary>The invoice, or null when Invoicing has no invoice with that token; throws when Invoicing does not answer.</summary>
    public async Task<IssuedInvoiceState?> FindAsync(string payToken, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, IssuedInvoiceState.Route(payToken));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ServiceTokens.CreateForNoTenant(tokens, ResourceNames.Payments, time));
        try
        {
            using var response = await http.SendAsync(request, ct);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }
            response.EnsureSuccessStatusCode();
            return await response.Content.ReadFromJsonAsync<IssuedInvoiceState>(ApiDefaultsExtensions.Json, ct)
                ?? throw new DependencyUnavailableException("Invoicing answered an empty body for an invoice by its pay token.");
        }
        catch (Exception ex) when (ex is HttpRequestException or Polly.ExecutionRejectedException
            || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            throw new DependencyUnavailableException("The invoice cannot be looked up right now. Please try again in a moment.", ex);
        }
    }
}
