using BenchmarkDotNet.Running;
using OraServ.Benchmarks;
using OraServ.Invoicing.Pdf;
using OraServ.Invoicing.Pdf.Tests;

// "--sample <path>" writes the sample invoices for a visual check instead of benchmarking.
if (args is ["--sample", var path])
{
    File.WriteAllBytes(path, InvoicePdf.Render(SampleInvoices.Open()));
    File.WriteAllBytes(Path.ChangeExtension(path, ".paid.pdf"), InvoicePdf.Render(SampleInvoices.Paid()));
    File.WriteAllBytes(Path.ChangeExtension(path, ".200.pdf"), InvoicePdf.Render(SampleInvoices.WithLines(200)));
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(InvoicePdfBenchmarks).Assembly).Run(args);
