using System.Globalization;
using System.Text.Json.Nodes;

namespace OraServ.StripeEmulator;

/// <summary>
/// A request's parameters as Stripe reads them: form fields (or query string) with the bracket syntax folded into a tree,
/// so <c>controller[fees][payer]=account</c> becomes controller.fees.payer and <c>expand[0]=x</c> an array.
/// </summary>
public sealed partial class StripeForm
{
    private readonly JsonObject _root;

    private StripeForm(JsonObject root) => _root = root;

    /// <summary>The canonical text of the parameters, to tell an idempotent replay from a reuse of the key.</summary>
    public string Fingerprint => _root.ToJsonString();

    public static async Task<StripeForm> ReadAsync(HttpRequest request)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var (key, values) in request.Query)
        {
            pairs.AddRange(values.Select(v => new KeyValuePair<string, string>(key, v ?? "")));
        }
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync();
            foreach (var (key, values) in form)
            {
                pairs.AddRange(values.Select(v => new KeyValuePair<string, string>(key, v ?? "")));
            }
        }
        return new StripeForm(Fold(pairs));
    }

    /// <summary>Minimal API binding; the form is kept on the request so the idempotency filter can compare parameters.</summary>
    public static async ValueTask<StripeForm?> BindAsync(HttpContext context)
    {
        var form = await ReadAsync(context.Request);
        context.Features.Set(form);
        return form;
    }

    public static StripeForm From(IEnumerable<KeyValuePair<string, string>> pairs) => new(Fold(pairs));

    public string? this[string path] => Node(path) is JsonValue v ? v.GetValue<string>() : null;

    public bool Has(string path) => Node(path) is not null;

    public JsonObject? Section(string path) => Node(path) as JsonObject;

    public long? Number(string path)
    {
        var text = this[path];
        if (text is null)
        {
            return null;
        }
        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new StripeApiException(400, "invalid_request_error", "parameter_invalid_integer", $"Invalid integer: {text}", path);
    }

    public bool? Bool(string path) => this[path] switch
    {
        null => null,
        "true" => true,
        "false" => false,
        var other => throw new StripeApiException(400, "invalid_request_error", "parameter_invalid_boolean", $"Invalid boolean: {other}", path),
    };

    public string Required(string path) =>
        this[path] is { Length: > 0 } value
            ? value
            : throw new StripeApiException(400, "invalid_request_error", "parameter_missing", $"Missing required param: {path}.", path);

    /// <summary>metadata[...] as a flat string map; an empty value deletes the key, as in Stripe.</summary>
    public void ApplyMetadata(JsonObject target)
    {
        if (Section("metadata") is not { } metadata)
        {
            return;
        }
        var existing = target["metadata"] as JsonObject ?? [];
        foreach (var (key, value) in metadata)
        {
            var text = value?.GetValue<string>() ?? "";
            if (text.Length == 0)
            {
                existing.Remove(key);
            }
            else
            {
                existing[key] = text;
            }
        }
        target["metadata"] = existing;
    }

    private JsonNode? Node(string path)
    {
        JsonNode? node = _root;
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject o && o.TryGetPropertyValue(part, out var child) ? child : null;
        }
        return node;
    }

    private static JsonObject Fold(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var root = new JsonObject();
        foreach (var (key, value) in pairs)
        {
            var parts = Split(key);
            JsonObject node = root;
            for (var i = 0; i < parts.Count - 1; i++)
            {
                if (node[parts[i]] is not JsonObject child)
                {
                    child = [];
                    node[parts[i]] = child;
                }
                node = child;
            }
            var last = parts[^1];
            node[last.Length == 0 ? node.Count.ToString(CultureInfo.InvariantCulture) : last] = value;
        }
        return root;
    }

    private static List<string> Split(string key)
    {
        var open = key.IndexOf('[', StringComparison.Ordinal);
        if (open < 0)
        {
            return [key];
        }
        var parts = new List<string> { key[..open] };
        parts.AddRange(Brackets().Matches(key[open..]).Select(m => m.Groups[1].Value));
        return parts;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\[([^\]]*)\]")]
    private static partial System.Text.RegularExpressions.Regex Brackets();
}

/// <summary>An error answered in Stripe's shape: {"error":{"type","code","message","param"}}.</summary>
public sealed class StripeApiException(int status, string type, string? code, string message, string? param = null) : Exception(message)
{
    public int Status { get; } = status;
    public string Type { get; } = type;
    public string? Code { get; } = code;
    public string? Param { get; } = param;
    public JsonObject? Extra { get; init; }

    public static StripeApiException Missing(string kind, string id, string param = "id") =>
        new(404, "invalid_request_error", "resource_missing", $"No such {kind}: '{id}'", param);

    public JsonObject ToJson()
    {
        var error = new JsonObject
        {
            ["type"] = Type,
            ["code"] = Code,
            ["message"] = Message,
            ["param"] = Param,
        };
        foreach (var (key, value) in Extra ?? [])
        {
            error[key] = value?.DeepClone();
        }
        return new JsonObject { ["error"] = error };
    }
}

internal static class JsonNodeExtensions
{
    /// <summary>Reads a whole number whether it was stored as an int or a long.</summary>
    public static long AsLong(this JsonNode node) =>
        node.AsValue().TryGetValue<long>(out var value) ? value : node.AsValue().GetValue<int>();
}
