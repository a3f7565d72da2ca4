using PdfSharp.Fonts;

namespace OraServ.Invoicing.Pdf;

/// <summary>
/// Serves the DejaVu Sans files embedded in this assembly for every font request, so a PDF looks the
/// same on a developer laptop and in a container without a single system font.
/// </summary>
internal sealed class InvoiceFontResolver : IFontResolver
{
    public const string FamilyName = "OraServ Sans";

    private const string RegularFace = "OraServSans-Regular";
    private const string BoldFace = "OraServSans-Bold";
    private const string ResourcePrefix = "OraServ.Invoicing.Pdf.Fonts.";

    private static readonly InvoiceFontResolver Instance = new();
    private static readonly Lock Gate = new();
    private static volatile bool s_installed;

    private readonly Lazy<byte[]> _regular = new(() => Load("DejaVuSans.ttf"));
    private readonly Lazy<byte[]> _bold = new(() => Load("DejaVuSans-Bold.ttf"));

    private InvoiceFontResolver()
    {
    }

    /// <summary>
    /// Installs the resolver process-wide. PDFsharp allows one font resolver per process and refuses a
    /// change once a font was used, hence the lock and the refusal to share with a foreign resolver.
    /// </summary>
    public static void EnsureInstalled()
    {
        if (s_installed)
        {
            return;
        }

        lock (Gate)
        {
            if (s_installed)
            {
                return;
            }

            var current = GlobalFontSettings.FontResolver;
            if (current is null)
            {
                GlobalFontSettings.FontResolver = Instance;
            }
            else if (!ReferenceEquals(current, Instance))
            {
                throw new InvalidOperationException(
                    $"PDFsharp already uses the font resolver {current.GetType().FullName}; the invoice PDF needs {nameof(InvoiceFontResolver)}.");
            }

            s_installed = true;
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
        new(bold ? BoldFace : RegularFace, mustSimulateBold: false, mustSimulateItalic: italic);

    public byte[]? GetFont(string faceName) => faceName switch
    {
        RegularFace => _regular.Value,
        BoldFace => _bold.Value,
        _ => null,
    };

    private static byte[] Load(string file)
    {
        using var stream = typeof(InvoiceFontResolver).Assembly.GetManifestResourceStream(ResourcePrefix + file)
            ?? throw new InvalidOperationException($"The font resource {ResourcePrefix + file} is not embedded in {typeof(InvoiceFontResolver).Assembly.GetName().Name}.");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
