using System.Text.Encodings.Web;
using Fluid;
using Fluid.Ast;

namespace OraServ.Automation;

/// <summary>What a template is rendered with: one invoice of one tenant, at one moment.</summary>
public sealed record TemplateData(InvoiceView Invoice, TenantLocale Locale, DateOnly Today);

/// <summary>
/// Reminder templates in Liquid (Fluid): {{ client.firstName }}, {{ invoice.link }}... A template is checked when it
/// is saved, so the scheduler never meets one it cannot render: a syntax error or a variable that does not exist is
/// refused with the list of those that do.
/// </summary>
public sealed class ReminderTemplates
{
    public const int MaxSmsLength = 1000;
    public const int MaxEmailLength = 10000;
    public const int MaxSubjectLength = 200;

    /// <summary>Every variable a template can use.</summary>
    public static readonly IReadOnlyList<string> Variables =
    [
        "client.firstName", "client.lastName", "invoice.number", "invoice.amountDue", "invoice.dueDate",
        "invoice.daysOverdue", "invoice.link", "business.name",
    ];

    private static readonly HashSet<string> Known = [.. Variables];
    private static readonly HashSet<string> Roots = [.. Variables.Select(v => v[..v.IndexOf('.', StringComparison.Ordinal)])];

    private readonly FluidParser _parser = new();

    // Parsed once per template text: a tick renders the same few templates hundreds of times.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, IFluidTemplate> _parsed = new(StringComparer.Ordinal);
    private const int MaxCached = 10_000;

    // A tenant writes these: bound the work one render may do.
    private readonly TemplateOptions _options = new() { MaxSteps = 10_000, MaxRecursion = 10 };

    public static string VariableList => string.Join(", ", Variables.Select(v => "{{ " + v + " }}"));

    /// <summary>The problems of a template, empty when it can be saved.</summary>
    public IReadOnlyList<string> Check(string text)
    {
        if (!_parser.TryParse(text, out var template, out var error))
        {
            return [$"The template does not parse: {error}. Variables: {VariableList}."];
        }
        var checker = new VariableChecker();
        checker.VisitTemplate(template);
        var problems = new List<string>();
        if (checker.Unknown.Count > 0)
        {
            problems.Add($"Unknown variable{(checker.Unknown.Count > 1 ? "s" : "")} {string.Join(", ", checker.Unknown)}. Variables: {VariableList}.");
        }
        if (checker.UsesFiles)
        {
            problems.Add("include and render are not available in reminder templates.");
        }
        return problems;
    }

    public async Task<string> RenderAsync(string text, TemplateData data)
    {
        if (!_parsed.TryGetValue(text, out var template))
        {
            if (!_parser.TryParse(text, out template, out var error))
            {
                throw new InvalidOperationException($"The template does not parse: {error}");
            }
            if (_parsed.Count >= MaxCached)
            {
                _parsed.Clear();
            }
            _parsed[text] = template;
        }
        var context = new TemplateContext(_options);
        var invoice = data.Invoice;
        context.SetValue("client", new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["firstName"] = invoice.ClientFirstName,
            ["lastName"] = invoice.ClientLastName,
        });
        context.SetValue("invoice", new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["number"] = invoice.Number,
            ["amountDue"] = data.Locale.Money(invoice.AmountDue),
            ["dueDate"] = data.Locale.Date(invoice.DueDate),
            ["daysOverdue"] = Math.Max(0, data.Today.DayNumber - invoice.DueDate.DayNumber),
            ["link"] = invoice.PayUrl,
        });
        context.SetValue("business", new Dictionary<string, object>(StringComparer.Ordinal) { ["name"] = invoice.BusinessName });
        // Plain text (SMS, the email's text body): nothing to escape.
        return (await template.RenderAsync(context, NullEncoder.Default)).Trim();
    }

    /// <summary>Finds every variable a template reads that is neither one of <see cref="Variables"/> nor one it assigns itself.</summary>
    private sealed class VariableChecker : AstVisitor
    {
        private readonly HashSet<string> _locals = ["forloop", "tablerowloop", "empty", "blank"];
        private readonly List<MemberExpression> _reads = [];

        public SortedSet<string> Unknown { get; } = new(StringComparer.Ordinal);
        public bool UsesFiles { get; private set; }

        public override IFluidTemplate VisitTemplate(IFluidTemplate template)
        {
            var result = base.VisitTemplate(template);
            foreach (var read in _reads)
            {
                var path = Path(read);
                var root = path[0];
                if (_locals.Contains(root))
                {
                    continue;
                }
                var name = string.Join('.', path);
                if (path.Count != 2 || !Known.Contains(name))
                {
                    Unknown.Add(Roots.Contains(root) || path.Count > 1 ? name : root);
                }
            }
            return result;
        }

        private static List<string> Path(MemberExpression member) =>
            [.. member.Segments.Select(s => s is IdentifierSegment id ? id.Identifier : "[]")];

        protected override Expression VisitMemberExpression(MemberExpression memberExpression)
        {
            _reads.Add(memberExpression);
            return base.VisitMemberExpression(memberExpression);
        }

        protected override Statement VisitAssignStatement(AssignStatement assignStatement)
        {
            _locals.Add(assignStatement.Identifier);
            return base.VisitAssignStatement(assignStatement);
        }

        protected override Statement VisitCaptureStatement(CaptureStatement captureStatement)
        {
            _locals.Add(captureStatement.Identifier);
            return base.VisitCaptureStatement(captureStatement);
        }

        protected override Statement VisitForStatement(ForStatement forStatement)
        {
            _locals.Add(forStatement.Identifier);
            return base.VisitForStatement(forStatement);
        }

        protected override Statement VisitIncrementStatement(IncrementStatement incrementStatement)
        {
            _locals.Add(incrementStatement.Identifier);
            return base.VisitIncrementStatement(incrementStatement);
        }

        protected override Statement VisitDecrementStatement(DecrementStatement decrementStatement)
        {
            _locals.Add(decrementStatement.Identifier);
            return base.VisitDecrementStatement(decrementStatement);
        }

        protected override Statement VisitIncludeStatement(IncludeStatement includeStatement)
        {
            UsesFiles = true;
            return base.VisitIncludeStatement(includeStatement);
        }

        protected override Statement VisitRenderStatement(RenderStatement renderStatement)
        {
            UsesFiles = true;
            return base.VisitRenderStatement(renderStatement);
        }
    }
}
