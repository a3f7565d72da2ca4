using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using OraServ.Invoicing.Pdf;
using PdfSharp.Pdf;
using PdfSharp.Pdf.IO;

namespace OraServ.Invoicing.Pdf.Tests;

public sealed partial class InvoicePdfTests
{
    [Fact]
    public void The_pdf_is_a_valid_file_that_poppler_accepts()
    {
        var pdf = InvoicePdf.Render(SampleInvoices.Open());

        Assert.Equal("%PDF-", Encoding.ASCII.GetString(pdf, 0, 5));
        using var poppler = new Poppler(pdf);
        var info = poppler.Info();
        Assert.Equal("1", info["Pages"]);
        Assert.Equal("Invoice INV-000123", info["Title"]);
        Assert.StartsWith("612 x 792 pts", info["Page size"], StringComparison.Ordinal);
    }

    [Fact]
    public void A_text_extractor_finds_the_number_client_total_due_date_and_pay_link_text()
    {
        using var poppler = new Poppler(InvoicePdf.Render(SampleInvoices.Open()));
        var text = poppler.Text();

        Assert.Contains("INV-000123", text, StringComparison.Ordinal);
        Assert.Contains("Margaret Okafor", text, StringComparison.Ordinal);
        Assert.Contains("$1,379.38", text, StringComparison.Ordinal);
        Assert.Contains("$1,179.38", text, StringComparison.Ordinal);
        Assert.Contains("Apr 1, 2026", text, StringComparison.Ordinal);
        Assert.Contains("Pay online", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_parties_dates_terms_job_and_totals_are_printed()
    {
        using var poppler = new Poppler(InvoicePdf.Render(SampleInvoices.Open()));
        var text = poppler.Text();

        string[] expected =
        [
            "Summit Plumbing & Heating", "1200 Larkspur Ave, Suite 4, Boulder, CO 80301", "billing@summitplumbing.example",
            "(303) 555-0142", "88 Juniper Court", "Louisville, CO 80027", "m.okafor@example.com", "412 Pine Street",
            "Mar 2, 2026", "Net 30", "JOB-0042 Water heater", "Subtotal", "$1,274.25", "Tax (8.25%)",
            "$105.13", "Amount paid", "$200.00", "Amount due (USD)",
        ];
        Assert.All(expected, value => Assert.Contains(value, text, StringComparison.Ordinal));
    }

    [Fact]
    public void A_service_address_equal_to_the_billing_address_is_not_repeated()
    {
        var invoice = SampleInvoices.Open() with { ServiceAddress = "88 Juniper Court\nLouisville, CO 80027" };

        using var poppler = new Poppler(InvoicePdf.Render(invoice));
        var text = poppler.Text();
        Assert.DoesNotContain("SERVICE ADDRESS", text, StringComparison.Ordinal);
        Assert.Single(Regex.Matches(text, "88 Juniper Court"));
    }

    [Fact]
    public void Labor_prints_hours_times_rate_material_quantity_times_price_and_a_fee_only_its_amount()
    {
        using var poppler = new Poppler(InvoicePdf.Render(SampleInvoices.Open()));
        var lines = poppler.Text().Split('\n');

        var labor = Assert.Single(lines, l => l.Contains("Remove and haul away", StringComparison.Ordinal));
        Assert.Matches(@"Labor\s+Remove and haul away old 40 gal water heater\s+1\.5 hrs\s+\$95\.00/hr\s+\$142\.50", labor);
        var material = Assert.Single(lines, l => l.Contains("copper flex connector", StringComparison.Ordinal));
        Assert.Matches(@"Material\s+3/4 in\. copper flex connector\s+2\s+\$12\.50\s+\$25\.00", material);
        var fee = Assert.Single(lines, l => l.Contains("Trip charge", StringComparison.Ordinal));
        Assert.Matches(@"Fee\s+Trip charge\s+\$49\.00\s*$", fee);
    }

    [Fact]
    public void A_discount_prints_as_a_negative_amount()
    {
        var invoice = SampleInvoices.Open() with
        {
            Lines = [.. SampleInvoices.Open().Lines, new(InvoiceDocumentLineKind.Fee, "Returning customer discount", 1m, -25m, -25m)],
        };

        using var poppler = new Poppler(InvoicePdf.Render(invoice));
        Assert.Matches(@"Fee\s+Returning customer discount\s+-\$25\.00", poppler.Text());
    }

    [Fact]
    public void A_long_description_wraps_instead_of_running_into_the_amounts()
    {
        using var poppler = new Poppler(InvoicePdf.Render(SampleInvoices.Open()));
        var text = poppler.Text();

        Assert.Matches(@"Install new 50 gal gas water heater, connect venting\s+3\.25 hrs\s+\$95\.00/hr\s+\$308\.75", text);
        Assert.Contains("and gas line, test for leaks", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_paid_stamp_appears_only_once_the_invoice_is_paid()
    {
        using var open = new Poppler(InvoicePdf.Render(SampleInvoices.Open()));
        using var paid = new Poppler(InvoicePdf.Render(SampleInvoices.Paid()));

        Assert.DoesNotMatch(StampWord("PAID"), open.Text());
        Assert.Matches(StampWord("PAID"), paid.Text());
        Assert.DoesNotMatch(StampWord("VOID"), paid.Text());
    }

    [Fact]
    public void A_paid_invoice_offers_no_pay_link()
    {
        var pdf = InvoicePdf.Render(SampleInvoices.Paid());
        using var poppler = new Poppler(pdf);

        Assert.DoesNotContain("Pay online", poppler.Text(), StringComparison.Ordinal);
        Assert.Contains("Paid in full", poppler.Text(), StringComparison.Ordinal);
        Assert.Empty(LinkUris(pdf));
    }

    [Fact]
    public void A_void_invoice_carries_a_void_stamp_and_no_pay_link()
    {
        var invoice = SampleInvoices.Open() with { Status = InvoiceDocumentStatus.Void };
        var pdf = InvoicePdf.Render(invoice);
        using var poppler = new Poppler(pdf);

        Assert.Matches(StampWord("VOID"), poppler.Text());
        Assert.DoesNotMatch(StampWord("PAID"), poppler.Text());
        Assert.Empty(LinkUris(pdf));
    }

    [Fact]
    public void A_draft_without_number_or_dates_prints_DRAFT_and_no_pay_link()
    {
        var draft = SampleInvoices.Open() with
        {
            Status = InvoiceDocumentStatus.Draft,
            Number = null,
            IssuedAt = null,
            DueDate = null,
        };
        var pdf = InvoicePdf.Render(draft);
        using var poppler = new Poppler(pdf);

        Assert.Contains("DRAFT", poppler.Text(), StringComparison.Ordinal);
        Assert.Equal("Draft invoice", poppler.Info()["Title"]);
        Assert.DoesNotContain("Pay online", poppler.Text(), StringComparison.Ordinal);
        Assert.Empty(LinkUris(pdf));
    }

    [Fact]
    public void The_pay_online_link_annotation_opens_the_pay_url()
    {
        var pdf = InvoicePdf.Render(SampleInvoices.Open());

        var uris = LinkUris(pdf);
        Assert.NotEmpty(uris);
        Assert.All(uris, uri => Assert.Equal(SampleInvoices.PayUrl, uri));
    }

    [Fact]
    public void The_pay_online_button_lies_inside_its_link_area()
    {
        var pdf = InvoicePdf.Render(SampleInvoices.Open());
        using var poppler = new Poppler(pdf);

        var pay = WordBox(poppler, "Pay");
        var online = WordBox(poppler, "online");
        using var document = PdfReader.Open(new MemoryStream(pdf), PdfDocumentOpenMode.Import);
        var page = document.Pages[0];
        var height = page.Height.Point;
        // Annotation rectangles count from the bottom of the page, poppler's word boxes from the top.
        var contains = Enumerable.Range(0, page.Annotations.Count)
            .Select(i => page.Annotations[i].Rectangle)
            .Any(r => r.X1 <= pay.XMin && online.XMax <= r.X2 && height - r.Y2 <= pay.YMin && pay.YMax <= height - r.Y1);
        Assert.True(contains, "no link annotation covers the Pay online button");
    }

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("file:///etc/passwd")]
    [InlineData("/pay/relative")]
    public void A_pay_url_that_is_not_an_absolute_web_address_is_never_linked(string payUrl)
    {
        var pdf = InvoicePdf.Render(SampleInvoices.Open() with { PayUrl = payUrl });

        using var poppler = new Poppler(pdf);
        Assert.DoesNotContain("Pay online", poppler.Text(), StringComparison.Ordinal);
        Assert.Empty(LinkUris(pdf));
    }

    [Fact]
    public void The_qr_code_scans_to_the_pay_url()
    {
        using var poppler = new Poppler(InvoicePdf.Render(SampleInvoices.Open()));

        Assert.Equal([SampleInvoices.PayUrl], poppler.ScanQrCodes());
        Assert.Contains("Scan the code", poppler.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_200_line_invoice_flows_over_pages_with_the_table_header_and_page_number_on_each()
    {
        using var poppler = new Poppler(InvoicePdf.Render(SampleInvoices.WithLines(200)));
        var pages = poppler.PageCount;

        Assert.InRange(pages, 4, 20);
        for (var page = 1; page <= pages; page++)
        {
            var text = poppler.Text(page);
            Assert.Matches(@"TYPE\s+DESCRIPTION\s+QTY / HOURS\s+RATE / PRICE\s+AMOUNT", text);
            Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"Page {page} of {pages}"), text, StringComparison.Ordinal);
        }

        var all = poppler.Text();
        for (var line = 1; line <= 200; line++)
        {
            var expected = (line % 4) switch
            {
                0 => $"Labor, visit {line}:",
                1 => $"Part #{line:0000} ",
                2 => $"Seasonal inspection {line}",
                _ => $"Disposal fee {line}",
            };
            Assert.Contains(expected, all, StringComparison.Ordinal);
        }

        Assert.Contains("Amount due (USD)", poppler.Text(pages), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_font_is_embedded_so_no_machine_font_is_needed()
    {
        using var poppler = new Poppler(InvoicePdf.Render(SampleInvoices.Open()));

        var fonts = poppler.Fonts();
        Assert.NotEmpty(fonts);
        Assert.All(fonts, row => Assert.Equal("yes", row[^5]));
        Assert.All(fonts, row => Assert.Contains("DejaVu", row[0], StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("USD", "$1,179.38")]
    [InlineData("EUR", "€1,179.38")]
    [InlineData("GBP", "£1,179.38")]
    [InlineData("CAD", "$1,179.38")]
    [InlineData("CHF", "CHF 1,179.38")]
    [InlineData("JPY", "JPY 1,179")]
    [InlineData("ZZZ", "ZZZ 1,179.38")]
    public void Amounts_are_printed_in_the_invoice_currency(string currency, string expected)
    {
        using var poppler = new Poppler(InvoicePdf.Render(SampleInvoices.Open() with { Currency = currency }));

        var text = poppler.Text();
        Assert.Contains(expected, text, StringComparison.Ordinal);
        Assert.Contains($"Amount due ({currency})", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Control_characters_and_very_long_names_do_not_break_the_layout()
    {
        var invoice = SampleInvoices.Open() with
        {
            BusinessName = "Summit\tPlumbing " + new string('W', 120),
            ClientName = "Margaret\r\nOkafor",
            Lines = [new(InvoiceDocumentLineKind.Service, new string('x', 400), 1m, 10m, 10m)],
            Notes = string.Join(' ', Enumerable.Repeat("Warranty terms apply to parts and labor.", 400)),
        };

        using var poppler = new Poppler(InvoicePdf.Render(invoice));
        Assert.True(poppler.PageCount >= 2);
        Assert.Matches(@"Margaret\s+Okafor", poppler.Text(1));
    }

    [Fact]
    public void Names_outside_latin_1_are_printed_and_extractable()
    {
        var invoice = SampleInvoices.Open() with { ClientName = "Zoë Łukasiewicz-Nguyễn", Currency = "EUR" };

        using var poppler = new Poppler(InvoicePdf.Render(invoice));
        var text = poppler.Text();
        Assert.Contains("Zoë Łukasiewicz-Nguyễn", text, StringComparison.Ordinal);
        Assert.Contains("€1,379.38", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Rendering_on_many_threads_at_once_gives_valid_pdfs()
    {
        var pdfs = new byte[16][];
        Parallel.For(0, pdfs.Length, i => pdfs[i] = InvoicePdf.Render(SampleInvoices.WithLines(5 + i)));

        Assert.All(pdfs, pdf =>
        {
            using var poppler = new Poppler(pdf);
            Assert.Contains("INV-000123", poppler.Text(), StringComparison.Ordinal);
        });
    }

    private static Regex StampWord(string word) => new($@"(?<![A-Za-z]){word}(?![A-Za-z])");

    private static List<string> LinkUris(byte[] pdf)
    {
        using var document = PdfReader.Open(new MemoryStream(pdf), PdfDocumentOpenMode.Import);
        var uris = new List<string>();
        foreach (var page in document.Pages)
        {
            for (var i = 0; i < page.Annotations.Count; i++)
            {
                var annotation = page.Annotations[i];
                if (annotation.Elements.GetName("/Subtype") != "/Link")
                {
                    continue;
                }

                var action = annotation.Elements.GetDictionary("/A");
                Assert.NotNull(action);
                Assert.Equal("/URI", action.Elements.GetName("/S"));
                uris.Add(action.Elements.GetString("/URI"));
            }
        }

        return uris;
    }

    private static (double XMin, double YMin, double XMax, double YMax) WordBox(Poppler poppler, string word)
    {
        var match = WordPattern().Matches(poppler.BoundingBoxes())
            .Single(m => m.Groups["word"].Value == word);
        double Value(string name) => double.Parse(match.Groups[name].Value, CultureInfo.InvariantCulture);
        return (Value("xMin"), Value("yMin"), Value("xMax"), Value("yMax"));
    }

    [GeneratedRegex("""<word xMin="(?<xMin>[\d.]+)" yMin="(?<yMin>[\d.]+)" xMax="(?<xMax>[\d.]+)" yMax="(?<yMax>[\d.]+)">(?<word>[^<]*)</word>""")]
    private static partial Regex WordPattern();
}
