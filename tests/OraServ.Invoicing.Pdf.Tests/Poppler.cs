using System.Diagnostics;

namespace OraServ.Invoicing.Pdf.Tests;

/// <summary>Reads rendered PDFs back with poppler-utils (and QR codes with zbar-tools), the way a customer's viewer would.</summary>
internal sealed class Poppler : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"oraserv-invoice-{Guid.NewGuid():N}.pdf");

    public Poppler(byte[] pdf) => File.WriteAllBytes(_path, pdf);

    /// <summary>The text of all pages, or of one page (1-based), in reading layout.</summary>
    public string Text(int? page = null)
    {
        string[] range = page is { } p ? ["-f", $"{p}", "-l", $"{p}"] : [];
        return Run("pdftotext", [.. range, "-layout", _path, "-"]);
    }

    /// <summary>pdfinfo's key/value output; throws when poppler rejects the file.</summary>
    public IReadOnlyDictionary<string, string> Info() =>
        Run("pdfinfo", [_path])
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(':', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0].Trim(), parts => parts[1].Trim());

    /// <summary>Every word with its box, in points from the top left of the page.</summary>
    public string BoundingBoxes() => Run("pdftotext", ["-bbox", _path, "-"]);

    /// <summary>The QR codes a phone camera would read from page 1 printed at 150 dpi (zbarimg from zbar-tools).</summary>
    public IReadOnlyList<string> ScanQrCodes()
    {
        var image = Path.ChangeExtension(_path, null);
        Run("pdftoppm", ["-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile", _path, image]);
        try
        {
            return Run("zbarimg", ["-q", "--raw", image + ".png"])
                .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
        finally
        {
            File.Delete(image + ".png");
        }
    }

    public int PageCount => int.Parse(Info()["Pages"], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>pdffonts' table rows: name, type, encoding, emb, sub, uni, object, id.</summary>
    public IReadOnlyList<string[]> Fonts() =>
        Run("pdffonts", [_path])
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Skip(2)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToList();

    public void Dispose() => File.Delete(_path);

    private static string Run(string tool, string[] arguments)
    {
        var start = new ProcessStartInfo($"/usr/bin/{tool}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (!File.Exists(start.FileName))
        {
            throw new InvalidOperationException(
                $"{start.FileName} is missing: install poppler-utils and zbar-tools (deploy/local/setup.sh).");
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0 || error.Contains("Syntax Error", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"{tool} failed ({process.ExitCode}): {error}");
        }

        return output.Result;
    }
}
