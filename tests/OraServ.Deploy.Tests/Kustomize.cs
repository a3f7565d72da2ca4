using System.Text;

namespace OraServ.Deploy.Tests;

/// <summary>
/// The part of Kustomize that deploy/k8s uses, so that the overlays can be rendered where kubectl is not installed:
/// resources (files and directories), secretGenerator and configMapGenerator from literals (with
/// generatorOptions.disableNameSuffixHash and labels), patches from files (strategic merge for the built-in kinds,
/// JSON merge for custom resources), namespace and images. Any other field of a kustomization is refused, so a
/// manifest change that needs more shows up here instead of rendering wrongly. KustomizeTests compares the output
/// with `kubectl kustomize` where kubectl is installed.
/// </summary>
public static class Kustomize
{
    private static readonly HashSet<string> SupportedFields =
        ["apiVersion", "kind", "resources", "namespace", "images", "patches", "secretGenerator", "configMapGenerator", "generatorOptions"];

    /// <summary>Built-in API groups: their patches are strategic merge patches; a custom resource's are JSON merge patches.</summary>
    private static readonly HashSet<string> BuiltInApiVersions =
        ["v1", "apps/v1", "batch/v1", "autoscaling/v2", "policy/v1", "networking.k8s.io/v1"];

    /// <summary>Strategic merge keys of the lists deploy/k8s patches; any other list of a built-in kind is replaced.</summary>
    private static readonly Dictionary<string, string> MergeKeys = new()
    {
        ["containers"] = "name",
        ["initContainers"] = "name",
        ["env"] = "name",
        ["volumes"] = "name",
        ["volumeMounts"] = "mountPath",
        ["imagePullSecrets"] = "name",
    };

    private static readonly HashSet<string> ClusterScopedKinds =
        ["Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PersistentVolume", "StorageClass", "PriorityClass"];

    public static List<JsonObject> Build(string directory)
    {
        var file = Path.Combine(directory, "kustomization.yaml");
        var kustomization = Yaml.ReadFile(file).Single();
        foreach (var (field, _) in kustomization)
        {
            if (!SupportedFields.Contains(field))
            {
                throw new NotSupportedException($"{file}: '{field}' is not in the Kustomize subset the tests render.");
            }
        }

        var resources = new List<JsonObject>();
        foreach (var entry in Strings(kustomization["resources"]))
        {
            var path = Path.GetFullPath(Path.Combine(directory, entry));
            resources.AddRange(Directory.Exists(path) ? Build(path) : Yaml.ReadFile(path));
        }
        resources.AddRange(Generate(kustomization, "Secret", directory));
        resources.AddRange(Generate(kustomization, "ConfigMap", directory));

        foreach (var patch in Items(kustomization["patches"]))
        {
            if (patch.Count != 1 || patch["path"] is not JsonValue path)
            {
                throw new NotSupportedException($"{file}: only patches from a file (path:) without a target are rendered.");
            }
            foreach (var document in Yaml.ReadFile(Path.Combine(directory, path.GetValue<string>())))
            {
                var target = resources.SingleOrDefault(r => SameObject(r, document))
                    ?? throw new InvalidDataException($"{file}: patch {path} names {Describe(document)}, which is not among the resources.");
                Merge(target, document, BuiltInApiVersions.Contains(Text(target["apiVersion"])));
            }
        }

        if (kustomization["namespace"] is JsonValue ns)
        {
            foreach (var resource in resources.Where(r => !ClusterScopedKinds.Contains(Text(r["kind"]))))
            {
                Metadata(resource)["namespace"] = ns.GetValue<string>();
            }
        }

        foreach (var image in Items(kustomization["images"]))
        {
            foreach (var container in resources.SelectMany(Manifests.Containers))
            {
                SetImage(container, image);
            }
        }
        return resources;
    }

    public static string Describe(JsonObject resource) => $"{Text(resource["kind"])}/{Text(resource["metadata"]?["name"])}";

    private static IEnumerable<JsonObject> Generate(JsonObject kustomization, string kind, string directory)
    {
        var generators = Items(kustomization[kind == "Secret" ? "secretGenerator" : "configMapGenerator"]).ToList();
        if (generators.Count == 0)
        {
            yield break;
        }
        var options = kustomization["generatorOptions"] as JsonObject;
        if (options?["disableNameSuffixHash"]?.GetValue<bool>() != true)
        {
            throw new NotSupportedException($"{directory}: generated names carry a content hash unless generatorOptions.disableNameSuffixHash is true.");
        }
        foreach (var generator in generators)
        {
            var data = new JsonObject();
            foreach (var literal in Strings(generator["literals"]))
            {
                var split = literal.IndexOf('=', StringComparison.Ordinal);
                var value = literal[(split + 1)..];
                data[literal[..split]] = kind == "Secret" ? Convert.ToBase64String(Encoding.UTF8.GetBytes(value)) : value;
            }
            foreach (var (field, _) in generator)
            {
                if (field is not ("name" or "literals" or "type"))
                {
                    throw new NotSupportedException($"{directory}: generator field '{field}' is not rendered.");
                }
            }
            var metadata = new JsonObject { ["name"] = Text(generator["name"]) };
            if (options["labels"] is JsonObject labels)
            {
                metadata["labels"] = labels.DeepClone();
            }
            var resource = new JsonObject { ["apiVersion"] = "v1", ["kind"] = kind, ["metadata"] = metadata, ["data"] = data };
            if (kind == "Secret")
            {
                resource["type"] = generator["type"]?.DeepClone() ?? "Opaque";
            }
            yield return resource;
        }
    }

    private static void SetImage(JsonObject container, JsonObject image)
    {
        var current = Text(container["image"]);
        var name = current.Split('@')[0];
        var lastSlash = name.LastIndexOf('/');
        var colon = name.LastIndexOf(':');
        if (colon > lastSlash)
        {
            name = name[..colon];
        }
        if (name != Text(image["name"]))
        {
            return;
        }
        var tag = current.Length > name.Length ? current[name.Length..] : "";
        if (image["newTag"] is JsonNode newTag)
        {
            tag = ":" + Text(newTag);
        }
        if (image["digest"] is JsonNode digest)
        {
            tag = "@" + Text(digest);
        }
        container["image"] = (image["newName"] is JsonNode newName ? Text(newName) : name) + tag;
    }

    /// <summary>
    /// Strategic merge for the built-in kinds (maps merged, null removes a field, the lists of <see cref="MergeKeys"/>
    /// merged item by item, other lists replaced); JSON merge patch (RFC 7386) for custom resources.
    /// </summary>
    public static void Merge(JsonObject target, JsonObject patch, bool strategic)
    {
        foreach (var (field, value) in patch.ToList())
        {
            if (value is null)
            {
                target.Remove(field);
            }
            else if (value is JsonObject patchObject && target[field] is JsonObject targetObject)
            {
                Merge(targetObject, patchObject, strategic);
            }
            else if (strategic && value is JsonArray patchList && target[field] is JsonArray targetList && MergeKeys.TryGetValue(field, out var key))
            {
                foreach (var item in patchList.OfType<JsonObject>())
                {
                    var existing = targetList.OfType<JsonObject>().FirstOrDefault(t => Text(t[key]) == Text(item[key]));
                    if (existing is null)
                    {
                        targetList.Add(item.DeepClone());
                    }
                    else
                    {
                        Merge(existing, item, strategic);
                    }
                }
            }
            else
            {
                target[field] = value.DeepClone();
            }
        }
    }

    private static bool SameObject(JsonObject resource, JsonObject patch) =>
        Text(resource["kind"]) == Text(patch["kind"])
        && Text(resource["metadata"]?["name"]) == Text(patch["metadata"]?["name"])
        && Group(Text(resource["apiVersion"])) == Group(Text(patch["apiVersion"]));

    private static string Group(string apiVersion) => apiVersion.Contains('/', StringComparison.Ordinal) ? apiVersion.Split('/')[0] : "";

    private static JsonObject Metadata(JsonObject resource) =>
        resource["metadata"] as JsonObject ?? throw new InvalidDataException($"{Describe(resource)} has no metadata.");

    private static IEnumerable<string> Strings(JsonNode? node) => (node as JsonArray ?? []).Select(Text);

    private static IEnumerable<JsonObject> Items(JsonNode? node) => (node as JsonArray ?? []).OfType<JsonObject>();

    public static string Text(JsonNode? node) => node switch
    {
        null => "",
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        _ => node.ToJsonString(),
    };
}
