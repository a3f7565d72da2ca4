using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OraServ.ServiceDefaults;

namespace OraServ.Automation;

public sealed record TriggerRequest(string? Event, int? Days);
public sealed record ActionRequest(string? Channel, string? Template, string? Subject);
public sealed record RuleRequest(string? Name, TriggerRequest? Trigger, ActionRequest? Action, bool? Enabled);
public sealed record PreviewRequest(Guid? InvoiceId);
public sealed record DoNotRemindRequest(bool? DoNotRemind);

public sealed record TriggerResponse(string Event, int Days);
public sealed record ActionResponse(string Channel, string Template, string? Subject);

public sealed record RuleResponse(Guid Id, string Name, TriggerResponse Trigger, ActionResponse Action, bool Enabled, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static RuleResponse From(Rule r) => new(r.Id, r.Name, new TriggerResponse(r.TriggerEvent, r.TriggerDays),
        new ActionResponse(r.Channel, r.Template, r.Subject), r.Enabled, r.CreatedAt, r.UpdatedAt);
}

public sealed record PreviewResponse(Guid RuleId, Guid InvoiceId, string Channel, string? To, string? Subject, string Body);
public sealed record ClientPreferenceResponse(Guid ClientId, bool DoNotRemind);
public sealed record ReminderResponse(Guid RuleId, Guid InvoiceId, DateTimeOffset DueAt, string Status, string? Reason, DateTimeOffset? SentAt);

public static class AutomationApi
{
    public static RouteGroupBuilder MapAutomationApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/automations").WithTags("Automation").RequireAuthorization(Roles.DispatcherPolicy);

        api.MapGet("/", ListRules).WithName("ListAutomationRules").WithSummary("The tenant's rules; a new tenant starts with the 5-days-overdue SMS rule, switched off.");
        api.MapGet("/{id:guid}", GetRule).WithName("GetAutomationRule");
        api.MapPost("/", CreateRule).WithName("CreateAutomationRule").WithSummary("A new rule; enabled, it plans reminders for the open invoices at once.");
        api.MapPut("/{id:guid}", UpdateRule).WithName("UpdateAutomationRule").WithSummary("Replace a rule; switching it off cancels its pending reminders.");
        api.MapDelete("/{id:guid}", DeleteRule).WithName("DeleteAutomationRule");
        api.MapPost("/{id:guid}/preview", Preview).WithName("PreviewAutomationRule").WithSummary("The rule's message rendered for one of the tenant's invoices.");
        api.MapGet("/reminders", ListReminders).WithName("ListReminders").WithSummary("The reminder schedule of an invoice: due, sent, skipped, cancelled.");
        api.MapGet("/clients/{clientId:guid}/do-not-remind", GetDoNotRemind).WithName("GetDoNotRemind");
        api.MapPut("/clients/{clientId:guid}/do-not-remind", SetDoNotRemind).WithName("SetDoNotRemind").WithSummary("Stop (or resume) every reminder to one client.");
        return api;
    }

    public static async Task<Ok<List<RuleResponse>>> ListRules(AutomationDbContext db, TenantDirectory tenants, HttpContext http, CancellationToken ct)
    {
        await tenants.FromProfileAsync(TenantProfile.From(http.User), ct);
        var rules = await db.Rules.AsNoTracking().OrderBy(r => r.CreatedAt).ThenBy(r => r.Id).ToListAsync(ct);
        return TypedResults.Ok(rules.Select(RuleResponse.From).ToList());
    }

    public static async Task<Results<Ok<RuleResponse>, NotFound>> GetRule(Guid id, AutomationDbContext db, CancellationToken ct) =>
        await db.Rules.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, ct) is { } rule ? TypedResults.Ok(RuleResponse.From(rule)) : TypedResults.NotFound();

    public static async Task<Results<Created<RuleResponse>, ValidationProblem>> CreateRule(
        RuleRequest request, AutomationDbContext db, TenantDirectory tenants, ReminderPlanner planner, ReminderTemplates templates,
        HttpContext http, TimeProvider time, CancellationToken ct)
    {
        if (Validate(request, templates) is { } problem)
        {
            return problem;
        }
        var tenant = await tenants.FromProfileAsync(TenantProfile.From(http.User), ct);
        var now = time.GetUtcNow();
        var rule = new Rule
        {
            TenantId = tenant.TenantId, Name = "", TriggerEvent = "", Channel = "", Template = "", CreatedAt = now, Enabled = true,
        };
        Apply(rule, request, now);
        db.Rules.Add(rule);
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            await db.SaveChangesAsync(ct);
            if (rule.Enabled)
            {
                await planner.PlanAsync(tenant.TenantId, ruleId: rule.Id, ct: ct);
            }
            await tx.CommitAsync(ct);
        }
        return TypedResults.Created($"/api/automations/{rule.Id}", RuleResponse.From(rule));
    }

    public static async Task<Results<Ok<RuleResponse>, NotFound, ValidationProblem>> UpdateRule(
        Guid id, RuleRequest request, AutomationDbContext db, TenantDirectory tenants, ReminderPlanner planner, ReminderTemplates templates,
        HttpContext http, TimeProvider time, CancellationToken ct)
    {
        if (await db.Rules.SingleOrDefaultAsync(r => r.Id == id, ct) is not { } rule)
        {
            return TypedResults.NotFound();
        }
        if (Validate(request, templates) is { } problem)
        {
            return problem;
        }
        await tenants.FromProfileAsync(TenantProfile.From(http.User), ct);
        Apply(rule, request, time.GetUtcNow());
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            await db.SaveChangesAsync(ct);
            if (rule.Enabled)
            {
                // New days move the pending steps; steps already sent stay sent (once per rule and invoice).
                await planner.PlanAsync(rule.TenantId, ruleId: rule.Id, ct: ct);
            }
            else
            {
                await planner.CancelForRuleAsync(rule.Id, "rule_disabled", ct);
            }
            await tx.CommitAsync(ct);
        }
        return TypedResults.Ok(RuleResponse.From(rule));
    }

    public static async Task<Results<NoContent, NotFound>> DeleteRule(Guid id, AutomationDbContext db, CancellationToken ct)
    {
        if (await db.Rules.SingleOrDefaultAsync(r => r.Id == id, ct) is not { } rule)
        {
            return TypedResults.NotFound();
        }
        db.Rules.Remove(rule);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<PreviewResponse>, NotFound, ValidationProblem>> Preview(
        Guid id, PreviewRequest request, AutomationDbContext db, TenantDirectory tenants, ReminderTemplates templates,
        HttpContext http, TimeProvider time, CancellationToken ct)
    {
        if (request.InvoiceId is not { } invoiceId)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["invoiceId"] = ["Required."] });
        }
        var tenant = await tenants.FromProfileAsync(TenantProfile.From(http.User), ct);
        var rule = await db.Rules.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, ct);
        var invoice = await db.Invoices.AsNoTracking().SingleOrDefaultAsync(i => i.Id == invoiceId && i.Issued, ct);
        if (rule is null || invoice is null)
        {
            return TypedResults.NotFound();
        }
        var data = new TemplateData(invoice, TenantLocale.For(invoice.Currency, tenant.TimeZone), TenantClock.For(tenant.TimeZone).Today(time.GetUtcNow()));
        var email = rule.Channel == Channels.Email;
        return TypedResults.Ok(new PreviewResponse(rule.Id, invoice.Id, rule.Channel, email ? invoice.ClientEmail : invoice.ClientPhone,
            email ? await templates.RenderAsync(rule.Subject ?? "", data) : null,
            await templates.RenderAsync(rule.Template, data)));
    }

    public static async Task<Ok<List<ReminderResponse>>> ListReminders(Guid? invoiceId, AutomationDbContext db, CancellationToken ct)
    {
        var query = db.Reminders.AsNoTracking();
        if (invoiceId is { } invoice)
        {
            query = query.Where(r => r.InvoiceId == invoice);
        }
        var reminders = await query.OrderByDescending(r => r.DueAt).Take(500).ToListAsync(ct);
        return TypedResults.Ok(reminders.Select(r => new ReminderResponse(r.RuleId, r.InvoiceId, r.DueAt, r.Status, r.Reason, r.SentAt)).ToList());
    }

    public static async Task<Ok<ClientPreferenceResponse>> GetDoNotRemind(Guid clientId, AutomationDbContext db, CancellationToken ct) =>
        TypedResults.Ok(new ClientPreferenceResponse(clientId,
            await db.ClientPreferences.AnyAsync(p => p.ClientId == clientId && p.DoNotRemind, ct)));

    public static async Task<Results<Ok<ClientPreferenceResponse>, ValidationProblem>> SetDoNotRemind(
        Guid clientId, DoNotRemindRequest request, AutomationDbContext db, TenantDirectory tenants, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        if (clientId == Guid.Empty)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["clientId"] = ["Not a client's id."] });
        }
        if (request.DoNotRemind is not { } doNotRemind)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["doNotRemind"] = ["Required: true or false."] });
        }
        var tenant = await tenants.FromProfileAsync(TenantProfile.From(http.User), ct);
        // Checked by the scheduler when a reminder falls due, so switching it back on before then lets the reminder go.
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO client_preferences (tenant_id, client_id, do_not_remind, updated_at) VALUES ({tenant.TenantId}, {clientId}, {doNotRemind}, {time.GetUtcNow()})
            ON CONFLICT (tenant_id, client_id) DO UPDATE SET do_not_remind = EXCLUDED.do_not_remind, updated_at = EXCLUDED.updated_at
            """, ct);
        return TypedResults.Ok(new ClientPreferenceResponse(clientId, doNotRemind));
    }

    private static ValidationProblem? Validate(RuleRequest request, ReminderTemplates templates)
    {
        var errors = new ValidationErrors();
        errors.Line("name", request.Name, 100);
        var trigger = request.Trigger;
        if (trigger?.Event is null || !TriggerEvents.All.Contains(trigger.Event))
        {
            errors.Add("trigger.event", $"Must be one of {string.Join(", ", TriggerEvents.All)}.");
        }
        if (trigger?.Days is not { } days || days < 0 || days > 365)
        {
            errors.Add("trigger.days", "Required: a whole number of days from 0 to 365.");
        }
        var action = request.Action;
        var channel = action?.Channel;
        if (channel is null || !Channels.All.Contains(channel))
        {
            errors.Add("action.channel", $"Must be one of {string.Join(", ", Channels.All)}.");
        }
        var max = channel == Channels.Email ? ReminderTemplates.MaxEmailLength : ReminderTemplates.MaxSmsLength;
        errors.Text("action.template", action?.Template, max);
        if (!string.IsNullOrWhiteSpace(action?.Template) && action.Template.Length <= max)
        {
            foreach (var problem in templates.Check(action.Template))
            {
                errors.Add("action.template", problem);
            }
        }
        if (channel == Channels.Email)
        {
            // Optional: without one the rule gets its trigger's default subject.
            errors.Line("action.subject", action?.Subject, ReminderTemplates.MaxSubjectLength, required: false);
            if (!string.IsNullOrWhiteSpace(action?.Subject))
            {
                foreach (var problem in templates.Check(action.Subject))
                {
                    errors.Add("action.subject", problem);
                }
            }
        }
        else if (action?.Subject is not null)
        {
            errors.Add("action.subject", "Only an email has a subject.");
        }
        return errors.Any ? TypedResults.ValidationProblem(errors.ToDictionary()) : null;
    }

    private static void Apply(Rule rule, RuleRequest request, DateTimeOffset now)
    {
        rule.Name = request.Name!.Trim();
        rule.TriggerEvent = request.Trigger!.Event!;
        rule.TriggerDays = request.Trigger.Days!.Value;
        rule.Channel = request.Action!.Channel!;
        rule.Template = request.Action.Template!;
        rule.Subject = rule.Channel != Channels.Email ? null
            : string.IsNullOrWhiteSpace(request.Action.Subject) ? Rule.DefaultSubject(rule.TriggerEvent)
            : request.Action.Subject.Trim();
        rule.Enabled = request.Enabled ?? rule.Enabled;
        rule.UpdatedAt = now;
    }
}
