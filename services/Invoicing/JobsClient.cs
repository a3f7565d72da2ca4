using System.Net;
using System.Net.Http.Headers;
using OraServ.Contracts;

namespace OraServ.Invoicing;

/// <summary>
/// Reads a job from the Jobs service when "Invoice Job" is clicked before JobCompleted arrived, with the caller's own
/// token (so Jobs scopes it to the caller's tenant). Service discovery and the standard resilience pipeline come
/// from the service defaults.
/// </summary>
public sealed class JobsClient(HttpClient http)
{
    private sealed record JobDto(Guid Id, string Title, string Status, string Currency, string? Notes, DateTimeOffset? CompletedAt, ClientDto? Client, List<LineDto> LineItems);
    private sealed record ClientDto(Guid Id, string FirstName, string LastName, string? Email, string? Phone, string? Address);
    private sealed record LineDto(string Kind, string Description, decimal Quantity, decimal UnitPrice, bool Taxable);

    /// <summary>The job if it exists for the caller; completed or not (Status says).</summary>
    public async Task<(JobSnapshot? Snapshot, string? Status)> GetAsync(Guid jobId, Guid tenantId, string? authorization, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/jobs/{jobId}");
        if (AuthenticationHeaderValue.TryParse(authorization, out var header))
        {
            request.Headers.Authorization = header;
        }
        using var response = await http.SendAsync(request, ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return (null, null);
        }
        response.EnsureSuccessStatusCode();
        var job = await response.Content.ReadFromJsonAsync<JobDto>(OraServ.ServiceDefaults.ApiDefaultsExtensions.Json, ct)
            ?? throw new InvalidOperationException("Jobs answered an empty body.");
        if (job.Status != "completed" || job.Client is null || job.CompletedAt is null)
        {
            return (null, job.Status);
        }
        return (new JobSnapshot
        {
            JobId = job.Id,
            TenantId = tenantId,
            Title = job.Title,
            Currency = job.Currency,
            Notes = job.Notes,
            CompletedAt = job.CompletedAt.Value,
            Client = new ClientContact
            {
                ClientId = job.Client.Id,
                FirstName = job.Client.FirstName,
                LastName = job.Client.LastName,
                Email = job.Client.Email,
                Phone = job.Client.Phone,
                Address = job.Client.Address,
            },
            Lines = [.. job.LineItems.Select(l => new JobLine { Kind = l.Kind, Description = l.Description, Quantity = l.Quantity, UnitPrice = l.UnitPrice, Taxable = l.Taxable })],
        }, job.Status);
    }
}
