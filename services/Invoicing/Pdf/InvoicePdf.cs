using PdfSharp.Pdf;

namespace OraServ.Invoicing.Pdf;

/// <summary>Renders invoices as PDF: US Letter, fonts embedded, text selectable, pay link clickable.</summary>
public static class InvoicePdf
{
    /// <summary>Renders the invoice. Thread-safe; the fonts ship inside this assembly.</summary>
    /// <returns>The PDF file's bytes.</returns>
    public static byte[] Render(InvoiceDocument invoice)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        ArgumentException.ThrowIfNullOrWhiteSpace(invoice.BusinessName);
        ArgumentException.ThrowIfNullOrWhiteSpace(invoice.ClientName);
        ArgumentException.ThrowIfNullOrWhiteSpace(invoice.Currency);
        ArgumentNullException.ThrowIfNull(invoice.Lines);

        InvoiceFontResolver.EnsureInstalled();

        using var document = new PdfDocument();
        document.Info.Title = invoice.Number is null ? "Draft invoice" : $"Invoice {invoice.Number}";
        document.Info.Author = invoice.BusinessName;
        document.Info.Creator = "OraServ";
        document.Options.CompressContentStreams = true;
        document.Options.FlateEncodeMode = PdfFlateEncodeMode.BestSpeed;

        new InvoicePdfLayout(invoice, document).Draw();

        using var stream = new MemoryStream(capacity: 64 * 1024);
        document.Save(stream, closeStream: false);
        return stream.ToArray();
    }
}
