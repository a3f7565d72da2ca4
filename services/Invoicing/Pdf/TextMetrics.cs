using System.Collections.Concurrent;
using System.Text;
using PdfSharp.Drawing;

namespace OraServ.Invoicing.Pdf;

/// <summary>
/// Measures, shortens and wraps text for fixed-width columns. PDFsharp neither kerns nor shapes, so
/// the width of a string is the sum of its characters' advances: each is measured once per process
/// and cached, which keeps wrapping free of per-candidate MeasureString calls and their garbage.
/// </summary>
internal static class TextMetrics
{
    private const string Ellipsis = "…";

    /// <summary>Advance widths in em, per weight and character.</summary>
    private static readonly ConcurrentDictionary<(bool Bold, char Character), double> EmWidths = new();

    public static double Width(XGraphics gfx, ReadOnlySpan<char> text, XFont font)
    {
        var em = 0.0;
        foreach (var c in text)
        {
            em += EmWidth(gfx, c, font);
        }

        return em * font.Size;
    }

    /// <summary>The longest prefix that fits, ending in an ellipsis when shortened.</summary>
    public static string Fit(XGraphics gfx, string text, XFont font, double width)
    {
        if (Width(gfx, text, font) <= width)
        {
            return text;
        }

        var available = width - Width(gfx, Ellipsis, font);
        var length = FittingLength(gfx, text, font, available);
        return string.Concat(text.AsSpan(0, length).TrimEnd(), Ellipsis);
    }

    /// <summary>Word-wraps text; a word wider than a line is broken; past maxLines the last line ends in an ellipsis.</summary>
    public static List<string> Wrap(XGraphics gfx, IEnumerable<string> paragraphs, XFont font, double width, int maxLines)
    {
        var lines = new List<string>();
        var line = new StringBuilder();
        var space = Width(gfx, " ", font);
        foreach (var paragraph in paragraphs)
        {
            var lineWidth = 0.0;
            foreach (var word in paragraph.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var wordWidth = Width(gfx, word, font);
                if (line.Length > 0 && lineWidth + space + wordWidth <= width)
                {
                    line.Append(' ').Append(word);
                    lineWidth += space + wordWidth;
                    continue;
                }

                if (line.Length > 0)
                {
                    lines.Add(line.ToString());
                    line.Clear();
                }

                var rest = word.AsSpan();
                while (Width(gfx, rest, font) > width)
                {
                    var length = FittingLength(gfx, rest, font, width);
                    lines.Add(rest[..length].ToString());
                    rest = rest[length..];
                }

                line.Append(rest);
                lineWidth = Width(gfx, rest, font);
            }

            if (line.Length > 0)
            {
                lines.Add(line.ToString());
                line.Clear();
            }
        }

        if (lines.Count == 0)
        {
            lines.Add(string.Empty);
        }

        if (lines.Count > maxLines)
        {
            lines.RemoveRange(maxLines, lines.Count - maxLines);
            lines[^1] = Fit(gfx, lines[^1] + " " + Ellipsis, font, width);
        }

        return lines;
    }

    /// <summary>Breaks text at any character (URLs have no spaces); past maxLines the last line ends in an ellipsis.</summary>
    public static List<string> BreakAnywhere(XGraphics gfx, string text, XFont font, double width, int maxLines)
    {
        var lines = new List<string>();
        var rest = text.AsSpan();
        while (rest.Length > 0 && lines.Count < maxLines)
        {
            var length = FittingLength(gfx, rest, font, width);
            lines.Add(rest[..length].ToString());
            rest = rest[length..];
        }

        if (rest.Length > 0)
        {
            lines[^1] = Fit(gfx, lines[^1] + rest.ToString(), font, width);
        }

        return lines;
    }

    /// <summary>How many leading characters fit the width; at least one, so that callers always progress.</summary>
    private static int FittingLength(XGraphics gfx, ReadOnlySpan<char> text, XFont font, double width)
    {
        var used = 0.0;
        for (var i = 0; i < text.Length; i++)
        {
            used += EmWidth(gfx, text[i], font) * font.Size;
            if (used > width)
            {
                return Math.Max(i, 1);
            }
        }

        return text.Length;
    }

    private static double EmWidth(XGraphics gfx, char c, XFont font)
    {
        // Halves of a surrogate pair cannot be measured alone; the fonts lack such glyphs anyway.
        var key = (font.Bold, char.IsSurrogate(c) ? 'M' : c);
        return EmWidths.TryGetValue(key, out var em)
            ? em
            : EmWidths.GetOrAdd(key, gfx.MeasureString(key.Item2.ToString(), font).Width / font.Size);
    }
}
