using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OraServ.Notifications.Dashboard;
using OraServ.Notifications.Delivery;
using OraServ.ServiceDefaults;

namespace OraServ.Notifications;

public sealed record MessageResponse(
    Guid Id, Guid? InvoiceId, string Channel, string To, string? Subject, string? Body, string Status, string? FailureReason,
    int Attempts, DateTimeOffset? SentAt, DateTimeOffset CreatedAt)
{
    public static MessageResponse From(Message m) => new(
        m.Id, m.InvoiceId, SnakeCase.Name(m.Channel), m.To, m.Subject, m.Body, SnakeCase.Name(m.Status), m.FailureReason, m.Attempts, m.SentAt, m.CreatedAt);
}

/// <summary>Optionally another address, e.g. when the client had none when the invoice was issued.</summary>
public sealed record ResendRequest(string? To);

public static class NotificationsApi
{
    public static RouteGroupBuilder MapNotificationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/messages").WithTags("Messages").RequireAuthorization(Roles.DispatcherPolicy);
        api.MapGet("/", ListMessages).WithName("ListMessages")
            .WithSummary("The delivery log: every email and SMS of the tenant, newest first, optionally of one invoice.");
        api.MapPost("/invoices/{invoiceId:guid}/resend", ResendInvoice).WithName("ResendInvoiceEmail")
            .WithSummary("Email the invoice to the client again (as last issued), with the PDF attached.");

        app.MapHub<DashboardHub>(DashboardHub.Path).RequireAuthorization(Roles.MemberPolicy);
        app.MapPost(TwilioInbound.Path, ReceiveTwilioSms).AllowAnonymous().DisableAntiforgery().WithTags("Webhooks")
            .WithName("TwilioInboundSms").WithSummary("Twilio's inbound-message webhook, X-Twilio-Signature verified: STOP opts the number out of SMS, START back in.");
        return api;
    }

    /// <summary>An empty TwiML answer: Twilio itself confirms an opt-out or opt-in to the client, so OraServ replies nothing.</summary>
    private const string EmptyTwiml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>";

    public static async Task<Results<ContentHttpResult, ProblemHttpResult, ValidationProblem>> ReceiveTwilioSms(
        HttpRequest request, TwilioInbound inbound, CancellationToken ct)
    {
        var result = await inbound.ReceiveAsync(request, ct);
        return result.Outcome switch
        {
            TwilioInbound.Outcome.Rejected => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Invalid Twilio signature",
                detail: $"The {TwilioInbound.SignatureHeader} header is missing or does not match the request."),
            TwilioInbound.Outcome.Invalid => TypedResults.ValidationProblem(result.Errors!),
            _ => TypedResults.Text(EmptyTwiml, "text/xml", System.Text.Encoding.UTF8),
        };
    }

    public static async Task<Ok<List<MessageResponse>>> ListMessages(Guid? invoiceId, NotificationsDbContext db, CancellationToken ct)
    {
        var query = db.Messages.AsNoTracking();
        if (invoiceId is { } id)
        {
            query = query.Where(m => m.InvoiceId == id);
        }
        var messages = await query.OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id).Take(500).ToListAsync(ct);
        return TypedResults.Ok(messages.Select(MessageResponse.From).ToList());
    }

    public static async Task<Results<Accepted<MessageResponse>, NotFound, ValidationProblem>> ResendInvoice(
        Guid invoiceId, ResendRequest? request, NotificationsDbContext db, Deliveries deliveries, TimeProvider time, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        errors.Email("to", request?.To, required: false);
        if (errors.Any)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }
        if (await db.Invoices.AsNoTracking().SingleOrDefaultAsync(i => i.InvoiceId == invoiceId, ct) is not { } view
            || InvoiceViews.Issued(view) is not { } issued)
        {
            return TypedResults.NotFound();
        }
        if (view.Status == "void")
        {
            throw new ConflictException("A void invoice is not sent again.");
        }
        // The amount due as it is now: part of it may have been paid since the invoice was issued.
        var message = Templates.InvoiceEmail(
            issued with { AmountDue = view.AmountDue, Client = issued.Client with { Email = request?.To ?? issued.Client.Email } }, $"invoice-resend:{invoiceId}:{Guid.CreateVersion7()}", time.GetUtcNow());
        if (message.Status == MessageStatus.Failed)
        {
            throw new ConflictException(message.FailureReason!);
        }
        db.Messages.Add(message);
        await db.SaveChangesAsync(ct);
        deliveries.Hand(message.Id);
        return TypedResults.Accepted($"/api/messages?invoiceId={invoiceId}", MessageResponse.From(message));
    }
}
