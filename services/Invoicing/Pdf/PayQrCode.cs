using System.Globalization;
using PdfSharp.Drawing;
using QRCoder;

namespace OraServ.Invoicing.Pdf;

/// <summary>
/// Draws a QR code as vector rectangles: sharp at any zoom and far smaller than an image. The
/// rectangles are written as raw PDF operators in module units, because hundreds of
/// XGraphics.DrawRectangle calls cost more than the rest of the invoice together.
/// </summary>
internal static class PayQrCode
{
    /// <summary>Draws the code of <paramref name="text"/> into a square, quiet zone included.</summary>
    /// <param name="gfx">Graphics of the page, without transformations applied.</param>
    /// <param name="text">What the code holds.</param>
    /// <param name="x">Left edge, points from the left of the page.</param>
    /// <param name="y">Top edge, points from the top of the page.</param>
    /// <param name="size">Side of the square in points.</param>
    /// <param name="pageHeight">Height of the page in points.</param>
    public static void Draw(XGraphics gfx, string text, double x, double y, double size, double pageHeight)
    {
        // M recovers from 15 % damage: enough for a printed, folded invoice at a modest module count.
        using var data = QRCodeGenerator.GenerateQrCode(text, QRCodeGenerator.ECCLevel.M);
        var matrix = data.ModuleMatrix;
        var count = matrix.Count;
        var module = size / count;

        // Painting the quiet zone through PDFsharp also closes any text object it still has open,
        // so the raw operators below land in graphics mode.
        gfx.DrawRectangle(XBrushes.White, x, y, size, size);
        var content = gfx.Internals.ContentStringBuilder
            ?? throw new InvalidOperationException("The QR code can only be drawn on a PDF page.");

        // PDFsharp flips coordinates itself and leaves the CTM untouched, so raw operators use PDF space:
        // origin bottom left. The cm maps one unit to one module with rows running downwards.
        content.Append(CultureInfo.InvariantCulture, $"q 0 g {module:0.####} 0 0 {-module:0.####} {x:0.###} {pageHeight - y:0.###} cm\n");
        var covered = new bool[count, count];
        for (var row = 0; row < count; row++)
        {
            var column = 0;
            while (column < count)
            {
                if (!matrix[row][column] || covered[row, column])
                {
                    column++;
                    continue;
                }

                var start = column;
                while (column < count && matrix[row][column] && !covered[row, column])
                {
                    column++;
                }

                // Grow the run downwards while the rows below repeat it: fewer, taller rectangles.
                var height = 1;
                while (row + height < count && IsDarkAndFree(matrix[row + height], covered, row + height, start, column))
                {
                    height++;
                }

                for (var r = row; r < row + height; r++)
                {
                    for (var c = start; c < column; c++)
                    {
                        covered[r, c] = true;
                    }
                }

                // A 0.02-module bleed hides the hairline seams viewers draw between touching rectangles.
                content.Append(CultureInfo.InvariantCulture, $"{start} {row} {column - start}.02 {height}.02 re\n");
            }
        }

        content.Append("f Q\n");
    }

    private static bool IsDarkAndFree(System.Collections.BitArray bits, bool[,] covered, int row, int start, int end)
    {
        for (var c = start; c < end; c++)
        {
            if (!bits[c] || covered[row, c])
            {
                return false;
            }
        }

        return true;
    }
}
