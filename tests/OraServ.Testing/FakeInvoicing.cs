using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OraServ.Contracts;

namespace OraServ.Testing;

/// <summary>
/// Stands in for Invoicing's GET /api/invoices/{id}/pdf, which answers a small real PDF whose text holds the invoice id,
/// and GET /internal/pay/{payToken}, which answers the invoices put into <see cref="Issued"/>; both only to a valid token
/// with the role "service" (signed with <paramref name="signingKey"/>, by default <see cref="TestTokens.SigningKey"/>).
/// Everything else gets 401/403/404, as Invoicing would.
/// </summary>
public sealed class FakeInvoicing(string? signingKey = null) : HttpMessageHandler
{
    public sealed record PdfRequest(Guid InvoiceId, string? TenantId, string? Role, string? Subject);

    public sealed record PayTokenRequest(string PayToken, string? TenantId, string? Role);

    public ConcurrentQueue<PdfRequest> Requests { get; } = new();

    /// <summary>The issued invoices it knows, by pay token.</summary>
    public ConcurrentDictionary<string, IssuedInvoiceState> Issued { get; } = new();

    public ConcurrentQueue<PayTokenRequest> PayTokenRequests { get; } = new();

    /// <summary>False: it refuses connections, as a stopped Invoicing does.</summary>
    public bool Answering { get; set; } = true;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!Answering)
        {
            throw new HttpRequestException("Connection refused (fake Invoicing is stopped).");
        }
        var segments = request.RequestUri!.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (request.Method == HttpMethod.Get && segments is ["internal", "pay", var payToken])
        {
            return await IssuedAsync(request, Uri.UnescapeDataString(payToken));
        }
        if (request.Method != HttpMethod.Get || segments is not ["api", "invoices", var id, "pdf"] || !Guid.TryParse(id, out var invoiceId))
        {
            return new HttpResponseMessage(HttpStatusCode.NotFound);
        }
        if (await ClaimsAsync(request) is not { } claims)
        {
            return new HttpResponseMessage(HttpStatusCode.Unauthorized);
        }
        var role = claims.TryGetValue("role", out var r) ? r?.ToString() : null;
        Requests.Enqueue(new PdfRequest(invoiceId, claims.TryGetValue("tenant_id", out var t) ? t?.ToString() : null, role,
            claims.TryGetValue("sub", out var s) ? s?.ToString() : null));
        if (role != "service")
        {
            return new HttpResponseMessage(HttpStatusCode.Forbidden);
        }
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(Pdf($"Invoice {invoiceId}")) };
        response.Content.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        return response;
    }

    private async Task<HttpResponseMessage> IssuedAsync(HttpRequestMessage request, string payToken)
    {
        if (await ClaimsAsync(request) is not { } claims)
        {
            return new HttpResponseMessage(HttpStatusCode.Unauthorized);
        }
        var role = claims.TryGetValue("role", out var r) ? r?.ToString() : null;
        PayTokenRequests.Enqueue(new PayTokenRequest(payToken, claims.TryGetValue("tenant_id", out var t) ? t?.ToString() : null, role));
        if (role != "service")
        {
            return new HttpResponseMessage(HttpStatusCode.Forbidden);
        }
        return Issued.TryGetValue(payToken, out var issued)
            ? new HttpResponseMessage(HttpStatusCode.OK) { Content = JsonContent.Create(issued, options: new JsonSerializerOptions(JsonSerializerDefaults.Web)) }
            : new HttpResponseMessage(HttpStatusCode.NotFound);
    }

    private async Task<IDictionary<string, object>?> ClaimsAsync(HttpRequestMessage request)
    {
        if (request.Headers.Authorization is not { Scheme: "Bearer", Parameter: { } token })
        {
            return null;
        }
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = "oraserv",
            ValidAudience = "oraserv-api",
            IssuerSigningKey = new SymmetricSecurityKey(Convert.FromBase64String(signingKey ?? TestTokens.SigningKey)),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        });
        return result.IsValid ? result.Claims : null;
    }

    /// <summary>A one-page PDF 1.4 with one line of Helvetica text, with a correct cross-reference table.</summary>
    public static byte[] Pdf(string text)
    {
        var content = $"BT /F1 18 Tf 72 720 Td ({text}) Tj ET";
        string[] objects =
        [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            $"<< /Length {content.Length} >>\nstream\n{content}\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ];
        var pdf = new StringBuilder("%PDF-1.4\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Length; i++)
        {
            offsets.Add(pdf.Length);
            pdf.Append($"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }
        var xref = pdf.Length;
        pdf.Append($"xref\n0 {objects.Length + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets)
        {
            pdf.Append($"{offset:D10} 00000 n \n");
        }
        pdf.Append($"trailer\n<< /Size {objects.Length + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        return Encoding.ASCII.GetBytes(pdf.ToString());
    }
}
