using OraServ.Invoicing.Pdf;

namespace OraServ.Invoicing.Pdf.Tests;

internal static class SampleInvoices
{
    public const string PayUrl = "https://pay.oraserv.example/pay/Q2hlY2tvdXRUb2tlbi0wMDAxMjM";

    public static InvoiceDocument Open() => new()
    {
        BusinessName = "Summit Plumbing & Heating",
        BusinessAddress = "1200 Larkspur Ave, Suite 4\nBoulder, CO 80301",
        BusinessEmail = "billing@summitplumbing.example",
        BusinessPhone = "(303) 555-0142",
        ClientName = "Margaret Okafor",
        ClientEmail = "m.okafor@example.com",
        ClientAddress = "88 Juniper Court\nLouisville, CO 80027",
        ServiceAddress = "Rental unit B\n412 Pine Street\nLafayette, CO 80026",
        Number = "INV-000123",
        Status = InvoiceDocumentStatus.Open,
        IssuedAt = new DateOnly(2026, 3, 2),
        DueDate = new DateOnly(2026, 4, 1),
        Terms = "Net 30",
        JobReference = "JOB-0042 Water heater replacement",
        Lines =
        [
            new(InvoiceDocumentLineKind.Labor, "Remove and haul away old 40 gal water heater", 1.5m, 95m, 142.50m),
            new(InvoiceDocumentLineKind.Labor, "Install new 50 gal gas water heater, connect venting and gas line, test for leaks", 3.25m, 95m, 308.75m),
            new(InvoiceDocumentLineKind.Material, "Rheem Performance 50 gal gas water heater", 1m, 749m, 749m),
            new(InvoiceDocumentLineKind.Material, "3/4 in. copper flex connector", 2m, 12.50m, 25m),
            new(InvoiceDocumentLineKind.Fee, "Trip charge", 1m, 49m, 49m),
        ],
        Subtotal = 1274.25m,
        TaxRate = 0.0825m,
        Tax = 105.13m,
        Total = 1379.38m,
        AmountPaid = 200m,
        AmountDue = 1179.38m,
        Currency = "USD",
        PayUrl = PayUrl,
        Notes = "Thank you for choosing Summit. The new water heater carries a 6-year manufacturer warranty; labor is guaranteed for 1 year.",
    };

    public static InvoiceDocument Paid() => Open() with
    {
        Status = InvoiceDocumentStatus.Paid,
        AmountPaid = 1379.38m,
        AmountDue = 0m,
    };

    public static InvoiceDocument WithLines(int count)
    {
        var lines = Enumerable.Range(1, count)
            .Select(i => (i % 4) switch
            {
                0 => new InvoiceDocumentLine(InvoiceDocumentLineKind.Labor, $"Labor, visit {i}: diagnose and repair", 2.5m, 95m, 237.50m),
                1 => new InvoiceDocumentLine(InvoiceDocumentLineKind.Material, $"Part #{i:0000} replacement valve", 3m, 12.50m, 37.50m),
                2 => new InvoiceDocumentLine(InvoiceDocumentLineKind.Service, $"Seasonal inspection {i}", 1m, 120m, 120m),
                _ => new InvoiceDocumentLine(InvoiceDocumentLineKind.Fee, $"Disposal fee {i}", 1m, 15m, 15m),
            })
            .ToList();
        var subtotal = lines.Sum(l => l.Amount);
        var tax = Math.Round(subtotal * 0.0825m, 2);
        return Open() with
        {
            Lines = lines,
            Subtotal = subtotal,
            Tax = tax,
            Total = subtotal + tax,
            AmountPaid = 0m,
            AmountDue = subtotal + tax,
        };
    }
}
