using System.Globalization;
using System.Text;
using OraServ.Contracts;
using PdfSharp;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace OraServ.Invoicing.Pdf;

/// <summary>
/// Lays one invoice out on US Letter pages, top to bottom: header band, parties and dates, the line
/// table (its header repeated on every page), totals beside the pay block or the PAID/VOID stamp,
/// notes, then "Page X of Y" footers once the page count is known. Units are PDF points, origin top left.
/// </summary>
internal sealed class InvoicePdfLayout
{
    private const double PageWidth = 612;
    private const double PageHeight = 792;
    private const double Margin = 48;
    private const double Right = PageWidth - Margin;
    private const double ContentWidth = Right - Margin;
    private const double BandHeight = 96;
    private const double FooterRule = PageHeight - 42;
    private const double BodyBottom = FooterRule - 16;

    private const double TypeX = Margin + 8;
    private const double DescriptionX = Margin + 66;
    private const double DescriptionWidth = 242;
    private const double QuantityRight = Margin + 374;
    private const double RateRight = Margin + 448;
    private const double AmountRight = Right - 8;
    private const double TableHeaderHeight = 22;
    private const double RowPadding = 6;
    private const double RowLineHeight = 11.5;
    private const int MaxDescriptionLines = 6;

    private const double SummaryLeft = Right - 224;
    private const double MetaLeft = Right - 210;
    private const double QrSize = 88;
    private const double SummaryGap = 18;
    private const double SummaryHeight = SummaryGap + 128;
    private const double TableTopOfPage = Margin + 30 + TableHeaderHeight;

    private static readonly XColor Ink = XColor.FromArgb(0x1F, 0x29, 0x37);
    private static readonly XColor Navy = XColor.FromArgb(0x1E, 0x33, 0x4F);
    private static readonly XColor Accent = XColor.FromArgb(0x1D, 0x4E, 0xD8);

    private static readonly XSolidBrush InkBrush = new(Ink);
    private static readonly XSolidBrush MutedBrush = new(XColor.FromArgb(0x64, 0x74, 0x8B));
    private static readonly XSolidBrush LabelBrush = new(XColor.FromArgb(0x47, 0x55, 0x69));
    private static readonly XSolidBrush BandBrush = new(Navy);
    private static readonly XSolidBrush BandTextBrush = new(XColors.White);
    private static readonly XSolidBrush BandMutedBrush = new(XColor.FromArgb(0xC7, 0xD2, 0xE0));
    private static readonly XSolidBrush DraftBrush = new(XColor.FromArgb(0xFB, 0xBF, 0x24));
    private static readonly XSolidBrush AccentBrush = new(Accent);
    private static readonly XSolidBrush AccentStripeBrush = new(XColor.FromArgb(0x3B, 0x82, 0xF6));
    private static readonly XSolidBrush AccentTintBrush = new(XColor.FromArgb(0xEF, 0xF4, 0xFF));
    private static readonly XSolidBrush TableHeaderBrush = new(XColor.FromArgb(0xF1, 0xF5, 0xF9));
    private static readonly XPen RulePen = new(XColor.FromArgb(0xE2, 0xE8, 0xF0), 0.75);
    private static readonly XPen StrongRulePen = new(XColor.FromArgb(0xCB, 0xD5, 0xE1), 1);

    private static readonly XStringFormat LeftAligned = XStringFormats.BaseLineLeft;
    private static readonly XStringFormat RightAligned = XStringFormats.BaseLineRight;
    private static readonly XStringFormat Centered = XStringFormats.Center;

    private readonly InvoiceDocument _invoice;
    private readonly PdfDocument _document;
    private readonly List<XGraphics> _pages = [];
    private readonly XFont _body = Font(9, bold: false);
    private readonly XFont _bodyBold = Font(9, bold: true);
    private readonly XFont _small = Font(7.5, bold: false);
    private readonly XFont _label = Font(7, bold: true);
    private readonly XFont _name = Font(10.5, bold: true);
    private readonly XFont _businessName = Font(17, bold: true);
    private readonly XFont _businessNameSmall = Font(12.5, bold: true);
    private readonly XFont _title = Font(24, bold: true);
    private readonly XFont _number = Font(10.5, bold: false);
    private readonly XFont _total = Font(10, bold: true);
    private readonly XFont _due = Font(12, bold: true);
    private readonly XFont _dueBox = Font(15, bold: true);
    private readonly XFont _button = Font(11, bold: true);
    private readonly XFont _stamp = Font(34, bold: true);
    private readonly string _numberText;
    private XGraphics _gfx = null!;
    private double _y;

    public InvoicePdfLayout(InvoiceDocument invoice, PdfDocument document)
    {
        _invoice = invoice;
        _document = document;
        _numberText = string.IsNullOrWhiteSpace(invoice.Number) ? "DRAFT" : Clean(invoice.Number);
    }

    /// <summary>
    /// Only an issued invoice with money due invites payment (a draft's link is not live yet), and only
    /// through an http(s) address: a link in a PDF must never run a script or open a local file.
    /// </summary>
    private bool ShowsPayBlock =>
        _invoice.Status == InvoiceDocumentStatus.Open
        && _invoice.AmountDue > 0
        && Uri.TryCreate(_invoice.PayUrl?.Trim(), UriKind.Absolute, out var url)
        && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp);

    public void Draw()
    {
        try
        {
            StartPage();
            DrawHeaderBand();
            DrawParties();
            DrawLines();
            DrawSummary();
            DrawNotes();
            for (var i = 0; i < _pages.Count; i++)
            {
                DrawFooter(_pages[i], i + 1, _pages.Count);
            }
        }
        finally
        {
            foreach (var page in _pages)
            {
                page.Dispose();
            }
        }
    }

    private void StartPage()
    {
        var page = _document.AddPage();
        page.Size = PageSize.Letter;
        // Pages stay open until the end so the footer can print the final page count.
        _gfx = XGraphics.FromPdfPage(page);
        _pages.Add(_gfx);
        _y = Margin;
    }

    private void StartContinuationPage()
    {
        StartPage();
        _gfx.DrawString(Fit(_invoice.BusinessName, _total, ContentWidth - 200), _total, InkBrush, Margin, _y + 6, LeftAligned);
        _gfx.DrawString($"{InvoiceLabel} (continued)", _body, MutedBrush, Right, _y + 6, RightAligned);
        _gfx.DrawLine(StrongRulePen, Margin, _y + 16, Right, _y + 16);
        _y += 30;
    }

    private void DrawHeaderBand()
    {
        _gfx.DrawRectangle(BandBrush, 0, 0, PageWidth, BandHeight);
        _gfx.DrawRectangle(AccentStripeBrush, 0, BandHeight, PageWidth, 3);

        const double titleWidth = 190;
        var textWidth = ContentWidth - titleWidth;
        var nameFont = Width(Clean(_invoice.BusinessName), _businessName) <= textWidth ? _businessName : _businessNameSmall;
        _gfx.DrawString(Fit(_invoice.BusinessName, nameFont, textWidth), nameFont, BandTextBrush, Margin, 44, LeftAligned);

        var address = JoinLines(_invoice.BusinessAddress, ", ");
        var contact = string.Join("  ·  ", new[] { _invoice.BusinessEmail, _invoice.BusinessPhone }
            .Where(s => !string.IsNullOrWhiteSpace(s))
            .Select(s => Clean(s!)));
        var baseline = 62.0;
        foreach (var line in new[] { address, contact })
        {
            if (line.Length > 0)
            {
                _gfx.DrawString(Fit(line, _small, textWidth), _small, BandMutedBrush, Margin, baseline, LeftAligned);
                baseline += 12;
            }
        }

        _gfx.DrawString("INVOICE", _title, BandTextBrush, Right, 46, RightAligned);
        _gfx.DrawString(
            Fit(_numberText, _number, titleWidth),
            _number,
            string.IsNullOrWhiteSpace(_invoice.Number) ? DraftBrush : BandMutedBrush,
            Right,
            66,
            RightAligned);

        _y = BandHeight + 30;
    }

    private void DrawParties()
    {
        var top = _y;

        var y = DrawLabel("BILL TO", Margin, top);
        y += 4;
        _gfx.DrawString(Fit(_invoice.ClientName, _name, 160), _name, InkBrush, Margin, y, LeftAligned);
        y += 13;
        foreach (var line in SplitLines(_invoice.ClientAddress).Take(5))
        {
            _gfx.DrawString(Fit(line, _body, 160), _body, InkBrush, Margin, y, LeftAligned);
            y += 12;
        }

        if (!string.IsNullOrWhiteSpace(_invoice.ClientEmail))
        {
            _gfx.DrawString(Fit(Clean(_invoice.ClientEmail), _body, 160), _body, MutedBrush, Margin, y, LeftAligned);
            y += 12;
        }

        var bottom = y;

        // A service address equal to the billing address says nothing new.
        var serviceAddress = SplitLines(_invoice.ServiceAddress).ToList();
        if (serviceAddress.Count > 0
            && !serviceAddress.SequenceEqual(SplitLines(_invoice.ClientAddress), StringComparer.OrdinalIgnoreCase))
        {
            const double x = Margin + 172;
            y = DrawLabel("SERVICE ADDRESS", x, top) + 4;
            foreach (var line in serviceAddress.Take(6))
            {
                _gfx.DrawString(Fit(line, _body, 124), _body, InkBrush, x, y, LeftAligned);
                y += 12;
            }

            bottom = Math.Max(bottom, y);
        }

        y = top;
        MetaRow("Invoice number", _numberText, ref y);
        MetaRow("Issue date", FormatDate(_invoice.IssuedAt), ref y);
        MetaRow("Due date", FormatDate(_invoice.DueDate), ref y);
        MetaRow("Terms", _invoice.Terms, ref y);
        MetaRow("Job", _invoice.JobReference, ref y, maxLines: 2);

        var boxTop = y - 4;
        const double boxHeight = 34;
        _gfx.DrawRectangle(AccentTintBrush, MetaLeft - 8, boxTop, Right - MetaLeft + 8, boxHeight);
        _gfx.DrawRectangle(AccentBrush, MetaLeft - 8, boxTop, 3, boxHeight);
        _gfx.DrawString($"Amount due ({CurrencyCode})", _small, LabelBrush, MetaLeft + 2, boxTop + 20.5, LeftAligned);
        _gfx.DrawString(Money(_invoice.AmountDue), _dueBox, InkBrush, Right - 8, boxTop + 22, RightAligned);

        bottom = Math.Max(bottom, boxTop + boxHeight);
        _y = bottom + 24;
    }

    private void MetaRow(string label, string? value, ref double y, int maxLines = 1)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return;
        }

        _gfx.DrawString(label, _body, MutedBrush, MetaLeft, y, LeftAligned);
        var width = Right - MetaLeft - Width(label, _body) - 12;
        foreach (var line in Wrap(value, _bodyBold, width, maxLines))
        {
            _gfx.DrawString(line, _bodyBold, InkBrush, Right, y, RightAligned);
            y += 12;
        }

        y += 2;
    }

    private double DrawLabel(string text, double x, double y)
    {
        _gfx.DrawString(text, _label, MutedBrush, x, y, LeftAligned);
        return y + 12;
    }

    private void DrawTableHeader()
    {
        _gfx.DrawRectangle(TableHeaderBrush, Margin, _y, ContentWidth, TableHeaderHeight);
        var baseline = _y + 14.5;
        _gfx.DrawString("TYPE", _label, LabelBrush, TypeX, baseline, LeftAligned);
        _gfx.DrawString("DESCRIPTION", _label, LabelBrush, DescriptionX, baseline, LeftAligned);
        _gfx.DrawString("QTY / HOURS", _label, LabelBrush, QuantityRight, baseline, RightAligned);
        _gfx.DrawString("RATE / PRICE", _label, LabelBrush, RateRight, baseline, RightAligned);
        _gfx.DrawString("AMOUNT", _label, LabelBrush, AmountRight, baseline, RightAligned);
        _y += TableHeaderHeight;
    }

    private void DrawLines()
    {
        DrawTableHeader();
        if (_invoice.Lines.Count == 0)
        {
            _gfx.DrawString("No billed lines.", _body, MutedBrush, DescriptionX, _y + RowPadding + 8.5, LeftAligned);
            _y += 2 * RowPadding + RowLineHeight;
            _gfx.DrawLine(RulePen, Margin, _y, Right, _y);
            return;
        }

        for (var index = 0; index < _invoice.Lines.Count; index++)
        {
            var line = _invoice.Lines[index];
            var description = Wrap(line.Description, _body, DescriptionWidth, MaxDescriptionLines);
            var height = 2 * RowPadding + description.Count * RowLineHeight;
            // The last row travels with the totals so that no page holds totals without any line above them.
            var needed = index == _invoice.Lines.Count - 1 ? height + SummaryHeight : height;
            if (_y + needed > BodyBottom && _y > TableTopOfPage)
            {
                StartContinuationPage();
                DrawTableHeader();
            }

            var baseline = _y + RowPadding + 8.5;
            _gfx.DrawString(KindLabel(line.Kind), _small, MutedBrush, TypeX, baseline, LeftAligned);
            for (var i = 0; i < description.Count; i++)
            {
                _gfx.DrawString(description[i], _body, InkBrush, DescriptionX, baseline + i * RowLineHeight, LeftAligned);
            }

            var (quantity, rate) = QuantityAndRate(line);
            if (quantity is not null)
            {
                _gfx.DrawString(quantity, _body, InkBrush, QuantityRight, baseline, RightAligned);
                _gfx.DrawString(rate!, _body, InkBrush, RateRight, baseline, RightAligned);
            }

            _gfx.DrawString(Money(line.Amount), _body, InkBrush, AmountRight, baseline, RightAligned);
            _y += height;
            _gfx.DrawLine(RulePen, Margin, _y, Right, _y);
        }
    }

    private void DrawSummary()
    {
        const double dueHeight = 28;
        if (_y + SummaryHeight > BodyBottom)
        {
            StartContinuationPage();
        }

        var top = _y + SummaryGap;
        var labelX = SummaryLeft + 10;
        var y = top + 8;
        SummaryRow("Subtotal", _invoice.Subtotal, _body, ref y);
        SummaryRow(TaxLabel(), _invoice.Tax, _body, ref y);
        _gfx.DrawLine(StrongRulePen, SummaryLeft, y - 9, Right, y - 9);
        y += 4;
        SummaryRow("Total", _invoice.Total, _total, ref y);
        SummaryRow("Amount paid", _invoice.AmountPaid, _body, ref y);

        var boxTop = y - 8;
        _gfx.DrawRectangle(AccentTintBrush, SummaryLeft, boxTop, Right - SummaryLeft, dueHeight);
        _gfx.DrawRectangle(AccentBrush, SummaryLeft, boxTop, 3, dueHeight);
        _gfx.DrawString($"Amount due ({CurrencyCode})", _bodyBold, InkBrush, labelX, boxTop + 18, LeftAligned);
        _gfx.DrawString(Money(_invoice.AmountDue), _due, InkBrush, Right - 8, boxTop + 18.5, RightAligned);

        DrawStatusBlock(top + 6);
        _y = top + SummaryHeight - SummaryGap;
    }

    private void SummaryRow(string label, decimal amount, XFont font, ref double y)
    {
        _gfx.DrawString(label, font, font == _body ? LabelBrush : InkBrush, SummaryLeft + 10, y, LeftAligned);
        _gfx.DrawString(Money(amount), font, InkBrush, Right - 8, y, RightAligned);
        y += 17;
    }

    /// <summary>Left of the totals: how to pay while money is due, otherwise what the status means.</summary>
    private void DrawStatusBlock(double top)
    {
        if (ShowsPayBlock)
        {
            DrawPayBlock(top, _invoice.PayUrl!.Trim());
            return;
        }

        var (stamp, color, message) = _invoice.Status switch
        {
            InvoiceDocumentStatus.Paid => ("PAID", XColor.FromArgb(0x15, 0x80, 0x3D), "Paid in full. Thank you for your business!"),
            InvoiceDocumentStatus.Void => ("VOID", XColor.FromArgb(0xB9, 0x1C, 0x1C), "This invoice was voided and can no longer be paid."),
            _ => (null, default, null),
        };
        if (stamp is null)
        {
            return;
        }

        DrawStamp(stamp, color, Margin, top);
        _gfx.DrawString(message!, _bodyBold, InkBrush, Margin, top + 78, LeftAligned);
    }

    /// <summary>
    /// A rubber-stamp frame around the word. Kept level: extractors split rotated text into letters,
    /// and "PAID" must stay findable as a word.
    /// </summary>
    private void DrawStamp(string text, XColor color, double x, double y)
    {
        var width = Width(text, _stamp) + 40;
        const double height = 56;
        _gfx.DrawRoundedRectangle(new XPen(color, 3), x, y, width, height, 10, 10);
        _gfx.DrawRoundedRectangle(new XPen(color, 1), x + 5, y + 5, width - 10, height - 10, 6, 6);
        _gfx.DrawString(text, _stamp, new XSolidBrush(color), new XRect(x, y, width, height), Centered);
    }

    private void DrawPayBlock(double top, string payUrl)
    {
        var page = _document.Pages[_document.Pages.Count - 1];
        PayQrCode.Draw(_gfx, payUrl, Margin - 6, top - 6, QrSize, PageHeight);

        var x = Margin + QrSize + 4;
        const double buttonWidth = 132;
        const double buttonHeight = 30;
        _gfx.DrawRoundedRectangle(AccentBrush, x, top, buttonWidth, buttonHeight, 8, 8);
        _gfx.DrawString("Pay online", _button, BandTextBrush, new XRect(x, top, buttonWidth, buttonHeight), Centered);
        AddLink(page, payUrl, x, top, buttonWidth, buttonHeight);

        var y = top + buttonHeight + 15;
        _gfx.DrawString("Scan the code or open this link:", _small, MutedBrush, x, y, LeftAligned);
        y += 11;
        const double urlWidth = SummaryLeft - 16;
        var urlLines = TextMetrics.BreakAnywhere(_gfx, payUrl, _small, urlWidth - x, maxLines: 3);
        foreach (var line in urlLines)
        {
            _gfx.DrawString(line, _small, AccentBrush, x, y, LeftAligned);
            y += 9.5;
        }

        AddLink(page, payUrl, x, y - 9.5 * urlLines.Count - 8, urlWidth - x, 9.5 * urlLines.Count + 2);
    }

    private static void AddLink(PdfPage page, string url, double x, double y, double width, double height) =>
        // Annotation rectangles live in PDF space: origin bottom left, y upwards.
        page.AddWebLink(new PdfRectangle(new XPoint(x, PageHeight - y - height), new XPoint(x + width, PageHeight - y)), url);

    private void DrawNotes()
    {
        if (string.IsNullOrWhiteSpace(_invoice.Notes))
        {
            return;
        }

        var lines = Wrap(_invoice.Notes, _body, ContentWidth, maxLines: 200);
        _y += 26;
        if (_y + 12 + 2 * RowLineHeight > BodyBottom)
        {
            StartContinuationPage();
        }

        _gfx.DrawLine(RulePen, Margin, _y - 14, Right, _y - 14);
        _y = DrawLabel("NOTES", Margin, _y) + 2;
        foreach (var line in lines)
        {
            if (_y > BodyBottom)
            {
                StartContinuationPage();
                _y += 8;
            }

            _gfx.DrawString(line, _body, InkBrush, Margin, _y, LeftAligned);
            _y += RowLineHeight;
        }
    }

    private void DrawFooter(XGraphics gfx, int page, int pages)
    {
        gfx.DrawLine(RulePen, Margin, FooterRule, Right, FooterRule);
        var baseline = FooterRule + 14;
        var left = $"{Clean(_invoice.BusinessName)}  ·  {InvoiceLabel}";
        gfx.DrawString(Fit(left, _small, ContentWidth - 90), _small, MutedBrush, Margin, baseline, LeftAligned);
        gfx.DrawString(
            string.Create(CultureInfo.InvariantCulture, $"Page {page} of {pages}"),
            _small,
            MutedBrush,
            Right,
            baseline,
            RightAligned);
    }

    private string InvoiceLabel => string.IsNullOrWhiteSpace(_invoice.Number) ? "Draft invoice" : $"Invoice {_numberText}";

    private string CurrencyCode => _invoice.Currency.Trim().ToUpperInvariant();

    private string Money(decimal amount) => MoneyText.Format(amount, _invoice.Currency);

    private string TaxLabel() =>
        _invoice.TaxRate == 0
            ? "Tax"
            : string.Create(CultureInfo.InvariantCulture, $"Tax ({_invoice.TaxRate * 100:0.###}%)");

    private (string? Quantity, string? Rate) QuantityAndRate(InvoiceDocumentLine line)
    {
        var quantity = line.Quantity.ToString("#,0.###", CultureInfo.InvariantCulture);
        return line.Kind switch
        {
            InvoiceDocumentLineKind.Labor => ($"{quantity} {(line.Quantity == 1 ? "hr" : "hrs")}", $"{Money(line.UnitPrice)}/hr"),
            InvoiceDocumentLineKind.Material => (quantity, Money(line.UnitPrice)),
            // Flat-priced lines print only their amount, unless billed more than once.
            _ when line.Quantity != 1 => (quantity, Money(line.UnitPrice)),
            _ => (null, null),
        };
    }

    private static string KindLabel(InvoiceDocumentLineKind kind) => kind switch
    {
        InvoiceDocumentLineKind.Labor => "Labor",
        InvoiceDocumentLineKind.Material => "Material",
        InvoiceDocumentLineKind.Service => "Service",
        InvoiceDocumentLineKind.Fee => "Fee",
        _ => string.Empty,
    };

    private static string FormatDate(DateOnly? date) =>
        date?.ToString("MMM d, yyyy", CultureInfo.InvariantCulture) ?? string.Empty;

    private static XFont Font(double size, bool bold) =>
        new(InvoiceFontResolver.FamilyName, size, bold ? XFontStyleEx.Bold : XFontStyleEx.Regular);

    private double Width(string text, XFont font) => TextMetrics.Width(_gfx, text, font);

    private string Fit(string text, XFont font, double width) => TextMetrics.Fit(_gfx, Clean(text), font, width);

    private List<string> Wrap(string text, XFont font, double width, int maxLines) =>
        TextMetrics.Wrap(_gfx, SplitLines(text), font, width, maxLines);

    private static string JoinLines(string? text, string separator) => string.Join(separator, SplitLines(text));

    private static IEnumerable<string> SplitLines(string? text) =>
        string.IsNullOrWhiteSpace(text)
            ? []
            : text.Split('\n').Select(Clean).Where(line => line.Length > 0);

    /// <summary>Control characters would print as boxes; tabs and stray carriage returns become spaces.</summary>
    private static string Clean(string text)
    {
        if (!text.AsSpan().ContainsAnyInRange('\0', '\x1f'))
        {
            return text.Trim();
        }

        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        return builder.ToString().Trim();
    }
}
