using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace OraServ.Testing;

/// <summary>An API to sweep: how to reach it, the owner's token, its database and the bad requests for it.</summary>
public sealed record SweptApi(string Name, Func<HttpClient> Client, string OwnerToken, DatabaseSnapshot Snapshot, IReadOnlyList<BadCase> Cases);

/// <summary>
/// Bad input on every operation of an OpenAPI document (so a route added later is swept without editing a test): each
/// request sent as the owner, or without a token on the public routes, and checked: never a 5xx; every 4xx is problem
/// details (a refused field is a 400 naming it); a refused request writes nothing in the API's database.
/// </summary>
public static class BadInputSweep
{
    /// <summary>The cases for the API's own OpenAPI document, with the ids that exist for the sweep's tenant.</summary>
    public static async Task<List<BadCase>> CasesAsync(HttpClient anonymous, IServiceProvider services, IReadOnlyDictionary<string, Guid> ids)
    {
        var document = JsonNode.Parse(await anonymous.GetStringAsync("/openapi/v1.json"))!;
        return [.. new BadInputCases(document, ids, AnonymousRoutes(services)).Generate()];
    }

    /// <summary>Sends every case and returns how many were sent and what was wrong with the answers.</summary>
    public static async Task<(int Sent, List<string> Findings)> RunAsync(IReadOnlyList<SweptApi> apis)
    {
        var findings = new List<string>();
        var sent = 0;
        // Cases that must be refused run first: one that may be accepted (an emoji in a name) can move the data on
        // (a draft sent), after which the refusals would test the wrong state.
        foreach (var mustRefuse in new[] { true, false })
        {
            foreach (var api in apis)
            {
                using var owner = api.Client();
                owner.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", api.OwnerToken);
                using var anonymous = api.Client();
                // What an earlier API accepted may still be arriving here as events (an invoice sent reaches Payments).
                var before = await api.Snapshot.SettledAsync();
                foreach (var badCase in api.Cases.Where(c => c.MustRefuse == mustRefuse))
                {
                    var response = await (badCase.Anonymous ? anonymous : owner).SendAsync(badCase.Request());
                    sent++;
                    if (await CheckAsync(badCase, response) is { } problem)
                    {
                        findings.Add($"{api.Name} {badCase}: {problem}");
                    }
                    var after = await api.Snapshot.TakeAsync();
                    if ((int)response.StatusCode >= 400 && after != before)
                    {
                        var changed = after.Split(' ').Except(before.Split(' ')).Select(t => t.Split(':')[0]);
                        findings.Add($"{api.Name} {badCase}: {(int)response.StatusCode} but the data changed in {string.Join(", ", changed)}");
                    }
                    before = after;
                }
            }
        }
        return (sent, findings);
    }

    /// <summary>What is wrong with the answer to one case, or null.</summary>
    public static async Task<string?> CheckAsync(BadCase badCase, HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        var body = await response.Content.ReadAsStringAsync();
        var shown = body.Length > 300 ? body[..300] : body;
        if (status >= 500)
        {
            return $"{status} {shown}";
        }
        if (status < 400)
        {
            return badCase.MustRefuse ? $"{status} accepted {shown}" : null;
        }
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return $"{status} without problem details ({response.Content.Headers.ContentType?.MediaType ?? "no body"}) {shown}";
        }
        using var problem = JsonDocument.Parse(body);
        if (!problem.RootElement.TryGetProperty("status", out var written) || written.GetInt32() != status)
        {
            return $"{status} with problem details without its status: {shown}";
        }
        if (badCase.MustRefuse && badCase.Field is { } field)
        {
            if (status == 409)
            {
                // A wrong value is wrong whatever state the resource is in: the caller learns which field to fix.
                return $"409 instead of a 400 naming the field {field}: {shown}";
            }
            var named = problem.RootElement.TryGetProperty("errors", out var errors)
                && errors.EnumerateObject().Any(e => e.Name.Contains(field, StringComparison.OrdinalIgnoreCase));
            if (status == 400 && !named)
            {
                return $"400 not naming the field {field}: {shown}";
            }
        }
        return null;
    }

    /// <summary>"POST /api/pay/{token}/intent" for each endpoint that allows anonymous callers.</summary>
    public static HashSet<string> AnonymousRoutes(IServiceProvider services) =>
    [
        .. services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is not null)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(method => $"{method} {BadInputCases.WithoutConstraints(e.RoutePattern.RawText!)}")),
    ];
}

/// <summary>
/// The rows of every table of a database, as text: of one tenant (outbox and inbox by count: their relays update them),
/// or of all tenants where a refused request might create one (a sign-up). Columns a refusal is meant to write (a failed
/// sign-in counts towards lockout) can be left out.
/// </summary>
public sealed class DatabaseSnapshot(string connectionString, string query, Guid? tenant)
{
    public static async Task<DatabaseSnapshot> OpenAsync(string connectionString, Guid? tenant, params string[] ignoredColumns)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var command = new NpgsqlCommand(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT LIKE '\\_\\_%' ORDER BY 1", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }
        // "Column" is left out of every table's rows, "table.Column" out of that table's only.
        string Row(string table)
        {
            var ignored = ignoredColumns.Where(c => !c.Contains('.', StringComparison.Ordinal) || c.StartsWith(table + ".", StringComparison.Ordinal))
                .Select(c => $"'{c[(c.IndexOf('.', StringComparison.Ordinal) + 1)..]}'").ToList();
            return ignored.Count == 0 ? "t::text" : $"(to_jsonb(t) - ARRAY[{string.Join(", ", ignored)}])::text";
        }
        var scope = tenant is null ? "" : " WHERE t::text LIKE @tenant";
        var parts = tables.Select(t => t.Contains("outbox") || t.Contains("inbox")
            ? $"SELECT '{t}:' || count(*) FROM \"{t}\" t{scope}"
            : $"SELECT '{t}:' || count(*) || ':' || coalesce(md5(string_agg({Row(t)}, ',' ORDER BY {Row(t)})), '') FROM \"{t}\" t{scope}");
        return new DatabaseSnapshot(connectionString, string.Join(" UNION ALL ", parts), tenant);
    }

    /// <summary>The snapshot once it has stopped changing (two takes 300 ms apart agree), or the last one after 10 s.</summary>
    public async Task<string> SettledAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        var last = await TakeAsync();
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(300);
            var next = await TakeAsync();
            if (next == last)
            {
                break;
            }
            last = next;
        }
        return last;
    }

    public async Task<string> TakeAsync()
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT string_agg(x, ' ' ORDER BY x) FROM ({query}) s(x)", connection);
        if (tenant is not null)
        {
            command.Parameters.AddWithValue("tenant", $"%{tenant}%");
        }
        return (string)(await command.ExecuteScalarAsync())!;
    }
}

/// <summary>One generated bad request.</summary>
public sealed record BadCase(string Method, string Path, string? Body, string Input, string? Field, bool MustRefuse, bool Anonymous,
    string ContentType = "application/json")
{
    public HttpRequestMessage Request()
    {
        var request = new HttpRequestMessage(new HttpMethod(Method), Path);
        if (Body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(Body));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(ContentType) { CharSet = "utf-8" };
        }
        return request;
    }

    public override string ToString() => $"{Method} {(Path.Length > 120 ? Path[..120] + "..." : Path)} {Field ?? "body"} = {Input}";
}

/// <summary>Reads an OpenAPI document and writes bad requests for each operation with parameters or a JSON body.</summary>
public sealed class BadInputCases(JsonNode document, IReadOnlyDictionary<string, Guid> ids, HashSet<string> anonymous)
{
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly string[] Methods = ["get", "post", "put", "patch", "delete"];
    private static readonly Dictionary<string, string> KnownGood = new(StringComparer.OrdinalIgnoreCase)
    {
        ["email"] = "dana@example.com", ["to"] = "dana@example.com", ["businessEmail"] = "office@example.com",
        ["phone"] = "+15551234567", ["businessPhone"] = "+15551234567", ["kind"] = "labor", ["method"] = "cash",
        ["terms"] = "net_15", ["defaultTerms"] = "net_15", ["channel"] = "email", ["event"] = "invoice_overdue",
        ["invoicePrefix"] = "INV-", ["template"] = "Invoice {{invoice.number}} is overdue.", ["subject"] = "Reminder",
        ["reason"] = "requested_by_customer", ["password"] = "correct horse 42", ["currency"] = "USD", ["timeZone"] = "America/New_York",
        ["role"] = "dispatcher",
    };

    private static readonly Mutation[] Strings =
    [
        new("12345", true), new("{}", true), new("[]", true), new("true", true),
        new("\"a\\u0000b\"", true, "NUL"), new("\"\\ud800\"", true, "lone high surrogate"), new("\"x\\udfff\"", true, "lone low surrogate"),
        new(Quote(new string('a', OneMegabyte + 10)), true, "a 1 MB string"),
        new(Quote("\u202Egnp.exe"), false, "RTL override"), new(Quote("a\u200Bb\u200D\uFEFF"), false, "zero-width"),
        new(Quote("👷🏽‍♀️🔧 Ωmega"), false, "emoji"), new(Quote("'; DROP TABLE clients; --"), false, "SQL injection"),
        new(Quote("1' OR '1'='1"), false, "SQL injection"), new(Quote("<script>alert(1)</script>"), false, "script injection"),
        new(Quote("{{7*7}} ${7*7} %s%n"), false, "template injection"), new(Quote(new string('x', 10_000)), false, "10,000 characters"),
        new("\"\"", false), new("\"   \"", false), new("null", false),
    ];

    private static readonly Mutation[] Numbers =
    [
        new("\"abc\"", true), new("\"50\"", true, "a number in a string"), new("true", true), new("{}", true), new("[]", true),
        new("79228162514264337593543950336", true, "more than decimal max"), new("1e400", true),
        new("-1", false), new("0", false), new("-0.01", false), new("1e30", false), new("79228162514264337593543950335", false),
        new("-79228162514264337593543950335", false), new("0.001", false), new("0.0000000000000000000000000001", false),
        new("123456789.123456789", false), new("null", false),
    ];

    // An amount paid or refunded is more than 0, at most what is owed and in whole minor units (cents for USD); a price
    // may be 0 and finer than a cent (a line is rounded once), never negative nor beyond any real bill.
    private static readonly Mutation[] Amounts =
    [
        .. Numbers.Where(m => m.MustRefuse),
        new("-1", true, "negative"), new("-0.01", true, "negative cent"), new("-79228162514264337593543950335", true, "most negative decimal"),
        new("0", true, "zero"), new("0.001", true, "a tenth of a cent"), new("0.0000000000000000000000000001", true, "smallest decimal"),
        new("1000000000", true, "a billion"), new("1e20", true, "enormous"), new("79228162514264337593543950335", true, "decimal max"),
        new("0.01", false), new("null", false),
    ];

    private static readonly Mutation[] Prices =
    [
        .. Numbers.Where(m => m.MustRefuse),
        new("-1", true, "negative"), new("-0.01", true, "negative cent"), new("-79228162514264337593543950335", true, "most negative decimal"),
        new("1000000000", true, "a billion"), new("1e20", true, "enormous"), new("79228162514264337593543950335", true, "decimal max"),
        new("0", false), new("0.001", false), new("123456.789", false), new("null", false),
    ];

    private static readonly Mutation[] Integers =
    [
        new("\"abc\"", true), new("\"7\"", true, "a number in a string"), new("1.5", true), new("2147483648", true), new("99999999999999999999", true), new("{}", true),
        new("-1", false), new("0", false), new("2147483647", false), new("-2147483648", false), new("null", false),
    ];

    private static readonly Mutation[] Booleans =
    [
        new("\"yes\"", true), new("1", true), new("{}", true), new("[]", true), new("null", false),
    ];

    private static readonly Mutation[] Guids =
    [
        new("\"not-a-guid\"", true), new("12", true), new("\"00000000-0000-0000-0000-00000000000g\"", true), new("{}", true),
        new("\"00000000-0000-0000-0000-000000000000\"", false), new($"\"{Guid.CreateVersion7()}\"", false), new("null", false),
    ];

    private static readonly Mutation[] Dates =
    [
        new("\"2026-02-30\"", true), new("\"2026-13-01\"", true), new("\"tomorrow\"", true), new("20260101", true),
        new("\"0001-01-01\"", false), new("\"9999-12-31\"", false), new("\"2026-02-28T10:00:00Z\"", false), new("null", false),
    ];

    private static readonly Mutation[] Arrays =
    [
        new("{}", true), new("\"x\"", true), new("42", true),
        new("[]", false), new("[null]", false), new("null", false), new($"[{string.Join(",", Enumerable.Repeat("{}", 501))}]", false, "501 empty items"),
    ];

    private static readonly Mutation[] Objects = [new("\"x\"", true), new("[]", true), new("42", true), new("null", false)];

    // No %00 in paths: Kestrel refuses a NUL in the request line with 400 before any app code runs, and TestServer throws.
    private static readonly string[] GuidSegments =
    [
        "not-a-guid", "99999999999999999999999", NilGuid, "1%27%20OR%201=1--",
    ];

    private static readonly string[] TextSegments =
    [
        new string('x', 3000), "1%27%20OR%201=1--", "%E2%80%AE", "%ED%A0%80", "..%2F..%2Fopenapi", "%F0%9F%94%A7", "%3Cscript%3E",
    ];

    private static readonly string[] QueryValues =
    [
        "not_a_value", "a%00b", "2026-02-30", "-1", "99999999999999999999", "1e400", "%27%3B%20DROP%20TABLE%20x%3B--", "%ED%A0%80",
        new string('q', 5000), "%25_%5C",
    ];

    private const int OneMegabyte = 1024 * 1024;
    private const string NilGuid = "00000000-0000-0000-0000-000000000000";

    public static string WithoutConstraints(string pattern) =>
        System.Text.RegularExpressions.Regex.Replace(pattern, @"\{([^}:?]+)[^}]*\}", "{$1}").TrimEnd('/') is { Length: > 0 } p ? p : "/";

    public IEnumerable<BadCase> Generate()
    {
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var method in Methods)
            {
                if (item![method] is not JsonObject operation)
                {
                    continue;
                }
                foreach (var badCase in ForOperation(method.ToUpperInvariant(), path, operation))
                {
                    yield return badCase;
                }
            }
        }
    }

    private IEnumerable<BadCase> ForOperation(string method, string path, JsonObject operation)
    {
        var route = WithoutConstraints(path);
        var isAnonymous = anonymous.Contains($"{method} {route}");
        if (route.StartsWith("/openapi", StringComparison.Ordinal) || route.StartsWith("/health", StringComparison.Ordinal))
        {
            yield break;
        }
        var parameters = (operation["parameters"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var pathParameters = parameters.Where(p => (string?)p["in"] == "path").ToList();
        var query = parameters.Where(p => (string?)p["in"] == "query").ToList();
        var requestBody = operation["requestBody"] as JsonObject;
        var bodySchema = requestBody?["content"]?["application/json"]?["schema"] is { } s ? Resolve(s) : null;
        var bodyRequired = (bool?)requestBody?["required"] ?? false;
        var takesBody = bodySchema is not null || (isAnonymous && method is "POST" or "PUT");
        var validPath = FillPath(route, _ => null);
        var baseline = bodySchema is null ? null : Example(bodySchema, null, 0);
        var baselineText = baseline?.ToJsonString() ?? (takesBody ? "{}" : null);

        foreach (var parameter in pathParameters)
        {
            var name = (string)parameter["name"]!;
            var isGuid = (string?)Resolve(parameter["schema"]!)["format"] == "uuid";
            foreach (var segment in isGuid ? GuidSegments : TextSegments)
            {
                var badPath = FillPath(route, p => p == name ? segment : null);
                // A read by an id nobody has may answer a default (a client's do-not-remind preference); a write may not.
                var mustRefuse = method != "GET" || segment != NilGuid;
                yield return new BadCase(method, badPath, baselineText, segment.Length > 40 ? $"{segment.Length} characters" : segment, null, mustRefuse, isAnonymous);
            }
        }

        if (method == "GET")
        {
            foreach (var parameter in query)
            {
                var name = (string)parameter["name"]!;
                foreach (var value in QueryValues)
                {
                    yield return new BadCase(method, $"{validPath}?{name}={value}", null, value.Length > 40 ? $"{value.Length} characters" : value, null, false, isAnonymous);
                }
            }
        }

        if (!takesBody)
        {
            yield break;
        }
        // A body the document does not describe is refused by what reads it raw (a webhook's signature check) or ignored
        // (sign-out): either is right, so refusing it is not required.
        var refuseBody = bodySchema is not null;
        yield return new BadCase(method, validPath, "{\"a\":", "malformed JSON", null, refuseBody, isAnonymous);
        yield return new BadCase(method, validPath, "{'a': 1}", "single-quoted JSON", null, refuseBody, isAnonymous);
        yield return new BadCase(method, validPath, "[]", "an array body", null, refuseBody, isAnonymous);
        yield return new BadCase(method, validPath, "\"text\"", "a string body", null, refuseBody, isAnonymous);
        yield return new BadCase(method, validPath, "42", "a number body", null, refuseBody, isAnonymous);
        yield return new BadCase(method, validPath, $"{{\"a\":{new string('[', 10_000)}{new string(']', 10_000)}}}", "depth 10,000", null, refuseBody, isAnonymous);
        yield return new BadCase(method, validPath, $"{{\"a\":\"{new string('a', OneMegabyte + 10)}\"}}", "1 MB body", null, true, isAnonymous);
        yield return new BadCase(method, validPath, baselineText, "text/plain content type", null, refuseBody, isAnonymous, "text/plain");
        yield return new BadCase(method, validPath, "null", "null body", null, bodyRequired && !isAnonymous, isAnonymous);
        yield return new BadCase(method, validPath, "", "empty body", null, bodyRequired && !isAnonymous, isAnonymous);
        if (bodySchema is null || baseline is null)
        {
            yield break;
        }
        yield return new BadCase(method, validPath, "{}", "no fields", null, false, isAnonymous);

        var fields = Fields(bodySchema, []).ToList();
        for (var f = 0; f < fields.Count; f++)
        {
            var (fieldPath, schema) = fields[f];
            var mutations = MutationsFor(fieldPath[^1], schema);
            var mayAccept = mutations.Where(m => !m.MustRefuse).ToList();
            // Every refusal for every field; of the inputs that may be accepted, a rotating third per field.
            var sampled = mutations.Where(m => m.MustRefuse)
                .Concat(mayAccept.Where((_, i) => i % 3 == f % 3));
            foreach (var mutation in sampled)
            {
                var body = WithValue(baseline, fieldPath, mutation.Json);
                yield return new BadCase(method, validPath, body, mutation.Label, fieldPath[^1].TrimEnd(']').Split('[')[0], mutation.MustRefuse, isAnonymous);
            }
            var without = (JsonObject)baseline.DeepClone();
            if (fieldPath.Length == 1 && without.Remove(fieldPath[0]))
            {
                yield return new BadCase(method, validPath, without.ToJsonString(), "missing", fieldPath[0], false, isAnonymous);
            }
        }
    }

    /// <summary>A money field: an amount ("amount", "refundAmount") or a price ("unitPrice").</summary>
    public static bool IsAmount(string field) => field.EndsWith("amount", StringComparison.OrdinalIgnoreCase);

    public static bool IsPrice(string field) => field.EndsWith("price", StringComparison.OrdinalIgnoreCase);

    private static Mutation[] MutationsFor(string field, JsonObject schema)
    {
        if (TypeOf(schema) == "number" && IsAmount(field))
        {
            return Amounts;
        }
        if (TypeOf(schema) == "number" && IsPrice(field))
        {
            return Prices;
        }
        if (schema["enum"] is JsonArray)
        {
            return [.. Strings, new("\"not_a_value\"", true, "not one of the enum values")];
        }
        var format = (string?)schema["format"];
        return TypeOf(schema) switch
        {
            "integer" => Integers,
            "number" => Numbers,
            "boolean" => Booleans,
            "array" => Arrays,
            "object" => Objects,
            _ when format == "uuid" => Guids,
            _ when format is "date" or "date-time" => Dates,
            _ => Strings,
        };
    }

    /// <summary>Each property of the body, and of its nested objects and first array item, with its JSON path.</summary>
    private IEnumerable<(string[] Path, JsonObject Schema)> Fields(JsonObject schema, string[] prefix)
    {
        if (prefix.Length > 4 || schema["properties"] is not JsonObject properties)
        {
            yield break;
        }
        foreach (var (name, property) in properties)
        {
            var resolved = Resolve(property!);
            var path = prefix.Append(name).ToArray();
            yield return (path, resolved);
            if (TypeOf(resolved) == "object")
            {
                foreach (var nested in Fields(resolved, path))
                {
                    yield return nested;
                }
            }
            if (TypeOf(resolved) == "array" && resolved["items"] is { } items && TypeOf(Resolve(items)) == "object")
            {
                foreach (var nested in Fields(Resolve(items), [.. prefix, $"{name}[0]"]))
                {
                    yield return nested;
                }
            }
        }
    }

    private static string WithValue(JsonNode baseline, string[] path, string json)
    {
        var body = baseline.DeepClone();
        JsonNode node = body;
        foreach (var segment in path[..^1])
        {
            node = segment.EndsWith("[0]", StringComparison.Ordinal) ? node[segment[..^3]]![0]! : node[segment]!;
        }
        var last = path[^1];
        if (last.EndsWith("[0]", StringComparison.Ordinal))
        {
            node[last[..^3]]![0] = JsonValue.Create("\u0001sweep\u0001");
        }
        else
        {
            node[last] = JsonValue.Create("\u0001sweep\u0001");
        }
        var text = body.ToJsonString(Relaxed);
        return text.Replace("\"\\u0001sweep\\u0001\"", json, StringComparison.Ordinal);
    }

    /// <summary>A plausible valid value for each property: the tenant's real ids, known formats, otherwise a simple value.</summary>
    private JsonNode? Example(JsonObject schema, string? name, int depth)
    {
        if (name is not null && KnownGood.TryGetValue(name, out var good))
        {
            return JsonValue.Create(good);
        }
        if (schema["enum"] is JsonArray values && values.FirstOrDefault(v => v is not null) is { } first)
        {
            return first.DeepClone();
        }
        var format = (string?)schema["format"];
        switch (TypeOf(schema))
        {
            case "integer":
                return JsonValue.Create(1);
            case "number":
                return JsonValue.Create(1.5m);
            case "boolean":
                return JsonValue.Create(true);
            case "array":
                return depth > 4 || schema["items"] is not { } items ? new JsonArray() : new JsonArray(Example(Resolve(items), null, depth + 1));
            case "object":
                var body = new JsonObject();
                foreach (var (property, propertySchema) in schema["properties"] as JsonObject ?? [])
                {
                    body[property] = depth > 4 ? null : Example(Resolve(propertySchema!), property, depth + 1);
                }
                return body;
        }
        if (format == "uuid")
        {
            var id = name is null ? Guid.CreateVersion7() : ids.FirstOrDefault(i => name.StartsWith(i.Key, StringComparison.OrdinalIgnoreCase)).Value;
            return JsonValue.Create(id == Guid.Empty ? Guid.CreateVersion7() : id);
        }
        return format switch
        {
            "date" => JsonValue.Create("2026-12-31"),
            "date-time" => JsonValue.Create("2026-12-31T10:00:00Z"),
            _ => JsonValue.Create("Sweep"),
        };
    }

    /// <summary>The route with the tenant's real ids (by parameter name, else by the segment before it: /jobs/{id} is a job).</summary>
    private string FillPath(string route, Func<string, string?> replace)
    {
        var segments = route.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            if (!segments[i].StartsWith('{'))
            {
                continue;
            }
            var name = segments[i].Trim('{', '}');
            if (replace(name) is { } bad)
            {
                segments[i] = bad;
                continue;
            }
            var owner = name.EndsWith("Id", StringComparison.Ordinal) ? name[..^2] : segments[i - 1].TrimEnd('s');
            segments[i] = ids.TryGetValue(owner, out var id) ? id.ToString() : name == "token" ? "pay_sweep_unknown_token" : Guid.CreateVersion7().ToString();
        }
        return string.Join('/', segments);
    }

    private JsonObject Resolve(JsonNode schema)
    {
        if (schema["$ref"] is { } reference)
        {
            var name = ((string)reference!).Split('/')[^1];
            return Resolve(document["components"]!["schemas"]![name]!);
        }
        foreach (var combinator in new[] { "oneOf", "anyOf", "allOf" })
        {
            if (schema[combinator] is JsonArray options)
            {
                var concrete = options.FirstOrDefault(o => o?["type"]?.ToString() != "null");
                if (concrete is not null)
                {
                    return Resolve(concrete);
                }
            }
        }
        return schema.AsObject();
    }

    private static string TypeOf(JsonObject schema)
    {
        var types = schema["type"] switch
        {
            JsonArray many => many.Select(t => (string?)t).OfType<string>().ToArray(),
            JsonValue one => [(string)one!],
            _ => schema["properties"] is not null ? ["object"] : [],
        };
        return types.Contains("integer") ? "integer"
            : types.Contains("number") ? "number"
            : types.FirstOrDefault(t => t != "null") ?? "string";
    }

    private static string Quote(string text) => JsonSerializer.Serialize(text, Relaxed);

    private sealed record Mutation(string Json, bool MustRefuse, string? Name = null)
    {
        public string Label => Name ?? Json;
    }
}
