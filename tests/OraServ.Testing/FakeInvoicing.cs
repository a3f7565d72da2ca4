using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace OraServ.Testing;

/// <summary>
/// Stands in for Invoicing's GET /api/invoices/{id}/pdf: answers a small real PDF whose text holds the invoice id, but
/// only to a valid token with the role "service" (signed with <paramref name="signingKey"/>, by default
/// <see cref="TestTokens.SigningKey"/>); everything else gets 401/403, as Invoicing would.
/// </summary>
public sealed class FakeInvoicing(string? signingKey = null) : HttpMessageHandler
{
    public sealed record PdfRequest(Guid InvoiceId, string? TenantId, string? Role, string? Subject);

    public ConcurrentQueue<PdfRequest> Requests { get; } = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var segments = request.RequestUri!.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (request.Method != HttpMethod.Get || segments is not ["api", "invoices", var id, "pdf"] || !Guid.TryParse(id, out var invoiceId))
        {
            return new HttpResponseMessage(HttpStatusCode.NotFound);
        }
        if (request.Headers.Authorization is not { Scheme: "Bearer", Parameter: { } token })
        {
            return new HttpResponseMessage(HttpStatusCode.Unauthorized);
        }
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = "oraserv",
            ValidAudience = "oraserv-api",
            IssuerSigningKey = new SymmetricSecurityKey(Convert.FromBase64String(signingKey ?? TestTokens.SigningKey)),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        });
        if (!result.IsValid)
        {
            return new HttpResponseMessage(HttpStatusCode.Unauthorized);
        }
        var claims = result.Claims;
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
