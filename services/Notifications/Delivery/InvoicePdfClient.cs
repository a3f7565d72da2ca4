using System.Net;
using System.Net.Http.Headers;
using OraServ.ServiceDefaults;

namespace OraServ.Notifications.Delivery;

/// <summary>
/// Fetches an invoice's PDF from Invoicing (http://invoicing through service discovery, the standard resilience
/// pipeline from the service defaults) with a two-minute service token for the invoice's tenant. Invoicing renders
/// it, so the attachment is the same document the dispatcher downloads.
/// </summary>
public sealed class InvoicePdfClient(HttpClient http, TokenSettings tokens, TimeProvider time)
{
    public async Task<byte[]> GetAsync(Guid tenantId, Guid invoiceId, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/invoices/{invoiceId}/pdf");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ServiceTokens.Create(tokens, tenantId, "notifications", time));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/pdf"));
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or Polly.ExecutionRejectedException
            || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            throw new TransientDeliveryException($"Invoicing did not answer for the invoice PDF: {ex.Message}", ex);
        }
        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                return await response.Content.ReadAsByteArrayAsync(ct);
            }
            var reason = $"Invoicing answered {(int)response.StatusCode} for the invoice PDF";
            throw response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest or HttpStatusCode.Gone
                ? new PermanentDeliveryException(reason)
                : new TransientDeliveryException(reason);
        }
    }
}
