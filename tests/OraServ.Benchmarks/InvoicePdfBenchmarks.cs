using BenchmarkDotNet.Attributes;
using OraServ.Invoicing.Pdf;
using OraServ.Invoicing.Pdf.Tests;

namespace OraServ.Benchmarks;

/// <summary>
/// Invoice PDF render time and allocations; the target for 5 lines is under 2 ms and 1 MB.
/// Run: dotnet run -c Release --project tests/OraServ.Benchmarks -- --filter '*' --job short
/// </summary>
[MemoryDiagnoser]
public class InvoicePdfBenchmarks
{
    private readonly InvoiceDocument _fiveLines = SampleInvoices.Open();
    private readonly InvoiceDocument _twoHundredLines = SampleInvoices.WithLines(200);

    [GlobalSetup]
    public void WarmFonts() => InvoicePdf.Render(_fiveLines);

    [Benchmark(Baseline = true)]
    public byte[] FiveLines() => InvoicePdf.Render(_fiveLines);

    [Benchmark]
    public byte[] TwoHundredLines() => InvoicePdf.Render(_twoHundredLines);
}
