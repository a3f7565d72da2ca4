using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OraServ.Contracts;
using OraServ.Messaging;
using OraServ.ServiceDefaults;

namespace OraServ.Jobs;

public sealed record ClientRequest(string? FirstName, string? LastName, string? Email, string? Phone, string? Address);

public sealed record ClientResponse(Guid Id, string FirstName, string LastName, string? Email, string? Phone, string? Address, DateTimeOffset CreatedAt)
{
    public static ClientResponse From(Client c) => new(c.Id, c.FirstName, c.LastName, c.Email, c.Phone, c.Address, c.CreatedAt);
}

public sealed record LineItemRequest(string? Kind, string? Description, decimal? Quantity, decimal? UnitPrice, bool? Taxable);

public sealed record CreateJobRequest(Guid? ClientId, string? Title, IReadOnlyList<LineItemRequest>? LineItems, Guid? AssignedTo);

public sealed record ReplaceItemsRequest(IReadOnlyList<LineItemRequest>? LineItems);

public sealed record CompleteJobRequest(string? Notes);

public sealed record LineItemResponse(Guid Id, LineKind Kind, string Description, decimal Quantity, decimal UnitPrice, bool Taxable, decimal Amount);

public sealed record JobResponse(
    Guid Id, Guid ClientId, ClientResponse? Client, string Title, JobStatus Status, string Currency, string? Notes, Guid? AssignedTo,
    IReadOnlyList<LineItemResponse> LineItems, decimal Total, DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt)
{
    public static JobResponse From(Job j) => new(
        j.Id, j.ClientId, j.Client is null ? null : ClientResponse.From(j.Client), j.Title, j.Status, j.Currency, j.Notes, j.AssignedTo,
        [.. j.LineItems.OrderBy(i => i.Position).Select(i => new LineItemResponse(i.Id, i.Kind, i.Description, i.Quantity, i.UnitPrice, i.Taxable, Money.Round(i.Quantity * i.UnitPrice, j.Currency)))],
        j.LineItems.Sum(i => Money.Round(i.Quantity * i.UnitPrice, j.Currency)), j.CreatedAt, j.CompletedAt);
}

public static class JobsApi
{
    private const int MaxLineItems = 500;
    private const decimal MaxQuantity = 100_000m;
    private const decimal MaxUnitPrice = 1_000_000m;

    public static RouteGroupBuilder MapJobsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Jobs");

        api.MapPost("/clients", CreateClient).WithName("CreateClient").WithSummary("Add a client (customer).").RequireAuthorization(Roles.DispatcherPolicy);
        api.MapGet("/clients", ListClients).WithName("ListClients").WithSummary("List clients, optionally searching name, email or phone.");
        api.MapGet("/clients/{id:guid}", GetClient).WithName("GetClient");
        api.MapPut("/clients/{id:guid}", UpdateClient).WithName("UpdateClient").RequireAuthorization(Roles.DispatcherPolicy);

        api.MapPost("/jobs", CreateJob).WithName("CreateJob").WithSummary("Schedule a job with its line items.").RequireAuthorization(Roles.DispatcherPolicy);
        api.MapGet("/jobs", ListJobs).WithName("ListJobs").WithSummary("List jobs, filtered by status or client.");
        api.MapGet("/jobs/{id:guid}", GetJob).WithName("GetJob");
        api.MapPost("/jobs/{id:guid}/start", StartJob).WithName("StartJob").WithSummary("Mark a job in progress.");
        api.MapPut("/jobs/{id:guid}/items", ReplaceItems).WithName("ReplaceJobItems").WithSummary("Replace the line items of an open job.");
        api.MapPost("/jobs/{id:guid}/complete", CompleteJob).WithName("CompleteJob").WithSummary("Complete a job; publishes JobCompleted.");
        api.MapPost("/jobs/{id:guid}/cancel", CancelJob).WithName("CancelJob").RequireAuthorization(Roles.DispatcherPolicy);
        return api;
    }

    public static async Task<Results<Created<ClientResponse>, ValidationProblem>> CreateClient(
        ClientRequest request, JobsDbContext db, TenantContext tenant, TimeProvider time, CancellationToken ct)
    {
        var errors = ValidateClient(request);
        if (errors.Any)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }
        var client = new Client
        {
            TenantId = tenant.RequiredTenantId,
            FirstName = request.FirstName!.Trim(),
            LastName = request.LastName!.Trim(),
            Email = Blank(request.Email),
            Phone = Blank(request.Phone),
            Address = Blank(request.Address),
            CreatedAt = time.GetUtcNow(),
        };
        db.Clients.Add(client);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/clients/{client.Id}", ClientResponse.From(client));
    }

    public static async Task<Results<Ok<List<ClientResponse>>, ValidationProblem>> ListClients(string? search, JobsDbContext db, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        errors.Text("search", search, 200, required: false);
        if (errors.Any)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }
        var query = db.Clients.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(search))
        {
            var pattern = $"%{search.Trim().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_")}%";
            query = query.Where(c => EF.Functions.ILike(c.FirstName + " " + c.LastName, pattern)
                || EF.Functions.ILike(c.Email ?? "", pattern) || EF.Functions.ILike(c.Phone ?? "", pattern));
        }
        var clients = await query.OrderBy(c => c.LastName).ThenBy(c => c.FirstName).Take(500).ToListAsync(ct);
        return TypedResults.Ok(clients.Select(ClientResponse.From).ToList());
    }

    public static async Task<Results<Ok<ClientResponse>, NotFound>> GetClient(Guid id, JobsDbContext db, CancellationToken ct) =>
        await db.Clients.AsNoTracking().SingleOrDefaultAsync(c => c.Id == id, ct) is { } client
            ? TypedResults.Ok(ClientResponse.From(client))
            : TypedResults.NotFound();

    public static async Task<Results<Ok<ClientResponse>, NotFound, ValidationProblem>> UpdateClient(
        Guid id, ClientRequest request, JobsDbContext db, CancellationToken ct)
    {
        var client = await db.Clients.SingleOrDefaultAsync(c => c.Id == id, ct);
        if (client is null)
        {
            return TypedResults.NotFound();
        }
        var errors = ValidateClient(request);
        if (errors.Any)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }
        client.FirstName = request.FirstName!.Trim();
        client.LastName = request.LastName!.Trim();
        client.Email = Blank(request.Email);
        client.Phone = Blank(request.Phone);
        client.Address = Blank(request.Address);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(ClientResponse.From(client));
    }

    public static async Task<Results<Created<JobResponse>, ValidationProblem>> CreateJob(
        CreateJobRequest request, JobsDbContext db, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        errors.Line("title", request.Title, 200);
        var items = ValidateItems(request.LineItems, errors, required: false);
        var client = request.ClientId is { } clientId ? await db.Clients.SingleOrDefaultAsync(c => c.Id == clientId, ct) : null;
        if (client is null)
        {
            errors.Add("clientId", request.ClientId is null ? "Required." : "No such client.");
        }
        if (errors.Any)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }
        var profile = TenantProfile.From(http.User);
        var job = new Job
        {
            TenantId = profile.TenantId,
            ClientId = client!.Id,
            Client = client,
            Title = request.Title!.Trim(),
            Currency = profile.Currency,
            AssignedTo = request.AssignedTo,
            CreatedAt = time.GetUtcNow(),
            LineItems = items,
        };
        db.Jobs.Add(job);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/jobs/{job.Id}", JobResponse.From(job));
    }

    public static async Task<Results<Ok<List<JobResponse>>, ValidationProblem>> ListJobs(string? status, Guid? clientId, JobsDbContext db, HttpContext http, CancellationToken ct)
    {
        var query = Visible(db.Jobs.AsNoTracking().Include(j => j.Client), http.User);
        if (!string.IsNullOrEmpty(status))
        {
            if (!SnakeCase.TryParse<JobStatus>(status, out var wanted))
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["status"] = ["Must be scheduled, in_progress, completed or cancelled."] });
            }
            query = query.Where(j => j.Status == wanted);
        }
        if (clientId is not null)
        {
            query = query.Where(j => j.ClientId == clientId);
        }
        var jobs = await query.OrderByDescending(j => j.CreatedAt).Take(500).ToListAsync(ct);
        return TypedResults.Ok(jobs.Select(JobResponse.From).ToList());
    }

    public static async Task<Results<Ok<JobResponse>, NotFound>> GetJob(Guid id, JobsDbContext db, HttpContext http, CancellationToken ct) =>
        await Load(db, http.User, id, ct) is { } job ? TypedResults.Ok(JobResponse.From(job)) : TypedResults.NotFound();

    public static async Task<Results<Ok<JobResponse>, NotFound>> StartJob(Guid id, JobsDbContext db, HttpContext http, CancellationToken ct)
    {
        if (await Load(db, http.User, id, ct) is not { } job)
        {
            return TypedResults.NotFound();
        }
        job.Start();
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(JobResponse.From(job));
    }

    public static async Task<Results<Ok<JobResponse>, NotFound, ValidationProblem>> ReplaceItems(
        Guid id, ReplaceItemsRequest request, JobsDbContext db, HttpContext http, CancellationToken ct)
    {
        if (await Load(db, http.User, id, ct) is not { } job)
        {
            return TypedResults.NotFound();
        }
        var errors = new ValidationErrors();
        var items = ValidateItems(request.LineItems, errors, required: true);
        if (errors.Any)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }
        job.ReplaceItems(items);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(JobResponse.From(job));
    }

    public static async Task<Results<Ok<JobResponse>, NotFound, ValidationProblem>> CompleteJob(
        Guid id, CompleteJobRequest? request, JobsDbContext db, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        if (await Load(db, http.User, id, ct) is not { } job)
        {
            return TypedResults.NotFound();
        }
        var errors = new ValidationErrors();
        errors.Text("notes", request?.Notes, 4000, required: false);
        if (errors.Any)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }
        if (job.Complete(request?.Notes, time.GetUtcNow()))
        {
            db.Publish(Completed(job));
            await db.SaveChangesAsync(ct);
        }
        return TypedResults.Ok(JobResponse.From(job));
    }

    public static async Task<Results<Ok<JobResponse>, NotFound>> CancelJob(Guid id, JobsDbContext db, HttpContext http, CancellationToken ct)
    {
        if (await Load(db, http.User, id, ct) is not { } job)
        {
            return TypedResults.NotFound();
        }
        job.Cancel();
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(JobResponse.From(job));
    }

    private static Task<Job?> Load(JobsDbContext db, System.Security.Claims.ClaimsPrincipal user, Guid id, CancellationToken ct) =>
        Visible(db.Jobs.Include(j => j.Client), user).SingleOrDefaultAsync(j => j.Id == id, ct);

    /// <summary>Technicians see and work on the jobs assigned to them; owners and dispatchers on all of the tenant's.</summary>
    private static IQueryable<Job> Visible(IQueryable<Job> jobs, System.Security.Claims.ClaimsPrincipal user)
    {
        var profile = TenantProfile.From(user);
        return profile.Role == Roles.Technician ? jobs.Where(j => j.AssignedTo == profile.UserId) : jobs;
    }

    private static JobCompleted Completed(Job job) => new()
    {
        TenantId = job.TenantId,
        JobId = job.Id,
        Title = job.Title,
        Client = new ClientContact
        {
            ClientId = job.ClientId,
            FirstName = job.Client!.FirstName,
            LastName = job.Client.LastName,
            Email = job.Client.Email,
            Phone = job.Client.Phone,
            Address = job.Client.Address,
        },
        Lines = [.. job.LineItems.OrderBy(i => i.Position).Select(i => new JobLine
        {
            Kind = i.Kind.ToString().ToLowerInvariant(),
            Description = i.Description,
            Quantity = i.Quantity,
            UnitPrice = i.UnitPrice,
            Taxable = i.Taxable,
        })],
        Currency = job.Currency,
        Notes = job.Notes,
        CompletedAt = job.CompletedAt!.Value,
        OccurredAt = job.CompletedAt!.Value,
    };

    private static ValidationErrors ValidateClient(ClientRequest request)
    {
        var errors = new ValidationErrors();
        errors.Line("firstName", request.FirstName, 100);
        errors.Line("lastName", request.LastName, 100);
        errors.Email("email", request.Email, required: false);
        errors.Phone("phone", request.Phone);
        errors.Text("address", request.Address, 500, required: false);
        return errors;
    }

    private static List<JobLineItem> ValidateItems(IReadOnlyList<LineItemRequest>? requested, ValidationErrors errors, bool required)
    {
        if (requested is null || requested.Count == 0)
        {
            if (required)
            {
                errors.Add("lineItems", "At least one line item is required.");
            }
            return [];
        }
        if (requested.Count > MaxLineItems)
        {
            errors.Add("lineItems", $"At most {MaxLineItems} line items.");
            return [];
        }
        var items = new List<JobLineItem>();
        for (var i = 0; i < requested.Count; i++)
        {
            var item = requested[i];
            var field = $"lineItems[{i}]";
            if (item is null)
            {
                errors.Add(field, "Required.");
                continue;
            }
            if (!SnakeCase.TryParse<LineKind>(item.Kind, out var kind))
            {
                errors.Add($"{field}.kind", "Must be labor, material, service or fee.");
            }
            errors.Line($"{field}.description", item.Description, 500);
            var quantity = item.Quantity ?? 1m;
            errors.Range($"{field}.quantity", quantity, 0m, MaxQuantity, minExclusive: true);
            if (item.UnitPrice is null)
            {
                errors.Add($"{field}.unitPrice", "Required.");
            }
            else
            {
                errors.Range($"{field}.unitPrice", item.UnitPrice.Value, 0m, MaxUnitPrice);
            }
            if (decimal.Round(quantity, 4) != quantity)
            {
                errors.Add($"{field}.quantity", "At most 4 decimal places.");
            }
            items.Add(new JobLineItem
            {
                Kind = kind,
                Description = item.Description?.Trim() ?? "",
                Quantity = quantity,
                UnitPrice = item.UnitPrice ?? 0m,
                Taxable = item.Taxable ?? true,
                Position = i,
            });
        }
        return items;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
