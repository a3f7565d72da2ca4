using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OraServ.Contracts;

namespace OraServ.ServiceDefaults;

/// <summary>Invoicing did not hand over an invoice's PDF. Permanent when it never will (no such invoice, 400, 410).</summary>
public sealed class InvoicePdfUnavailableException(string message, bool permanent, Exception? inner = null) : Exception(message, inner)
{
    public bool Permanent { get; } = permanent;
}

/// <summary>Which service asks Invoicing for PDFs: the subject of its service tokens.</summary>
public sealed class InvoicePdfClientOptions
{
    public string Caller { get; set; } = "service";
}

/// <summary>
/// Fetches an invoice's PDF from Invoicing (http://invoicing through service discovery, the standard resilience
/// pipeline from the service defaults) with a two-minute service token for the invoice's tenant. Invoicing renders it,
/// so the email attachment and the customer's download are the document the dispatcher sees.
/// </summary>
public sealed class InvoicePdfClient(HttpClient http, TokenSettings tokens, TimeProvider time, IOptions<InvoicePdfClientOptions> options)
{
    public async Task<byte[]> GetAsync(Guid tenantId, Guid invoiceId, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/invoices/{invoiceId}/pdf");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ServiceTokens.Create(tokens, tenantId, options.Value.Caller, time));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/pdf"));
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or Polly.ExecutionRejectedException
            || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            throw new InvoicePdfUnavailableException($"Invoicing did not answer for the invoice PDF: {ex.Message}", permanent: false, ex);
        }
        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                return await response.Content.ReadAsByteArrayAsync(ct);
            }
            throw new InvoicePdfUnavailableException($"Invoicing answered {(int)response.StatusCode} for the invoice PDF",
                permanent: response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest or HttpStatusCode.Gone);
        }
    }
}

public static class InvoicePdfClientExtensions
{
    /// <summary>Registers <see cref="InvoicePdfClient"/> for <paramref name="caller"/> (a resource name, e.g. "payments").</summary>
    public static IHttpClientBuilder AddInvoicePdfClient(this IServiceCollection services, string caller)
    {
        services.Configure<InvoicePdfClientOptions>(o => o.Caller = caller);
        return services.AddHttpClient<InvoicePdfClient>(http => http.BaseAddress = new Uri($"http://{ResourceNames.Invoicing}"));
    }
}
