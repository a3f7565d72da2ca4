namespace OraServ.Deploy.Tests;

/// <summary>Finds things in rendered manifests.</summary>
public static class Manifests
{
    public static readonly string[] WorkloadKinds = ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicaSet", "Pod"];

    public static string Kind(JsonObject resource) => Kustomize.Text(resource["kind"]);

    public static string Name(JsonObject resource) => Kustomize.Text(resource["metadata"]?["name"]);

    public static IEnumerable<JsonObject> OfKind(this IEnumerable<JsonObject> resources, string kind) =>
        resources.Where(r => Kind(r) == kind);

    public static JsonObject? Find(this IEnumerable<JsonObject> resources, string kind, string name) =>
        resources.FirstOrDefault(r => Kind(r) == kind && Name(r) == name);

    public static IEnumerable<JsonObject> Workloads(this IEnumerable<JsonObject> resources) =>
        resources.Where(r => WorkloadKinds.Contains(Kind(r)));

    /// <summary>The pod spec of a workload (CronJob: its job's pod template; Pod: itself).</summary>
    public static JsonObject? PodSpec(JsonObject resource) => Kind(resource) switch
    {
        "Pod" => resource["spec"] as JsonObject,
        "CronJob" => resource["spec"]?["jobTemplate"]?["spec"]?["template"]?["spec"] as JsonObject,
        _ => resource["spec"]?["template"]?["spec"] as JsonObject,
    };

    public static JsonObject PodLabels(JsonObject resource) =>
        resource["spec"]?["template"]?["metadata"]?["labels"] as JsonObject ?? [];

    public static IEnumerable<JsonObject> MainContainers(JsonObject resource) =>
        (PodSpec(resource)?["containers"] as JsonArray ?? []).OfType<JsonObject>();

    public static IEnumerable<JsonObject> InitContainers(JsonObject resource) =>
        (PodSpec(resource)?["initContainers"] as JsonArray ?? []).OfType<JsonObject>();

    /// <summary>Containers and init containers of a workload; none for any other kind.</summary>
    public static IEnumerable<JsonObject> Containers(JsonObject resource) =>
        WorkloadKinds.Contains(Kind(resource)) ? InitContainers(resource).Concat(MainContainers(resource)) : [];

    public static IEnumerable<JsonObject> Env(JsonObject container) => (container["env"] as JsonArray ?? []).OfType<JsonObject>();

    public static bool Matches(JsonObject selector, JsonObject labels) =>
        selector.Count > 0 && selector.All(s => Kustomize.Text(labels[s.Key]) == Kustomize.Text(s.Value));
}
