using System.Text;
using System.Text.RegularExpressions;
using OraServ.Contracts;

namespace OraServ.Deploy.Tests;

/// <summary>
/// What every rendered overlay must satisfy. Each check returns the problems it found, one sentence each naming the
/// resource and container, so a failing test says what to fix; none means the check passed.
/// </summary>
public static partial class Checks
{
    /// <summary>The gateway and the five services, and the database each owns.</summary>
    public static readonly IReadOnlyDictionary<string, string> Databases = new Dictionary<string, string>
    {
        [ResourceNames.Gateway] = ResourceNames.GatewayDb,
        [ResourceNames.Jobs] = ResourceNames.JobsDb,
        [ResourceNames.Invoicing] = ResourceNames.InvoicingDb,
        [ResourceNames.Payments] = ResourceNames.PaymentsDb,
        [ResourceNames.Notifications] = ResourceNames.NotificationsDb,
        [ResourceNames.Automation] = ResourceNames.AutomationDb,
    };

    /// <summary>Environment names that hold a secret: their value must come from a Secret, never a literal.</summary>
    [GeneratedRegex("KEY|SECRET|TOKEN|PASSWORD", RegexOptions.IgnoreCase)]
    public static partial Regex SecretLikeName();

    // A password inside a connection string or a URI's user info.
    [GeneratedRegex("password=([^;]*)", RegexOptions.IgnoreCase)]
    private static partial Regex ConnectionStringPassword();

    [GeneratedRegex("://[^:/@]*:([^@]*)@")]
    private static partial Regex UriPassword();

    [GeneratedRegex(@"^\$\(([A-Za-z_][A-Za-z0-9_]*)\)$")]
    private static partial Regex EnvReference();

    private static string Text(JsonNode? node) => Kustomize.Text(node);

    /// <summary>
    /// Every container and init container: a non-root numeric user, no privilege escalation, all capabilities dropped,
    /// a read-only root file system with an emptyDir at /tmp, the RuntimeDefault seccomp profile, CPU and memory
    /// requests and limits, a pinned image, secrets by secretKeyRef only; every main container: readiness on /health
    /// and liveness on /alive on one of its ports. No pod mounts a service account token.
    /// </summary>
    public static List<string> Workloads(IReadOnlyList<JsonObject> resources)
    {
        var problems = new List<string>();
        foreach (var workload in resources.Workloads())
        {
            var pod = Manifests.PodSpec(workload) ?? [];
            var podSecurity = pod["securityContext"] as JsonObject ?? [];
            var volumes = (pod["volumes"] as JsonArray ?? []).OfType<JsonObject>().ToList();
            if (pod["automountServiceAccountToken"]?.GetValue<bool>() != false)
            {
                problems.Add($"{Kustomize.Describe(workload)} mounts a service account token (set automountServiceAccountToken: false).");
            }
            foreach (var container in Manifests.Containers(workload))
            {
                var where = $"{Kustomize.Describe(workload)} container {Text(container["name"])}";
                problems.AddRange(ContainerSecurity(container, podSecurity, volumes, where));
                problems.AddRange(Resources(container, where));
                problems.AddRange(Environment(container, where));
            }
            foreach (var container in Manifests.MainContainers(workload))
            {
                var where = $"{Kustomize.Describe(workload)} container {Text(container["name"])}";
                problems.AddRange(Probe(container, "readinessProbe", "/health", where));
                problems.AddRange(Probe(container, "livenessProbe", "/alive", where));
            }
        }
        foreach (var configMap in resources.OfKind("ConfigMap"))
        {
            foreach (var (key, _) in configMap["data"] as JsonObject ?? [])
            {
                if (SecretLikeName().IsMatch(key))
                {
                    problems.Add($"{Kustomize.Describe(configMap)} holds {key}, which names a secret: it belongs in a Secret.");
                }
            }
        }
        return problems;
    }

    private static IEnumerable<string> ContainerSecurity(JsonObject container, JsonObject podSecurity, List<JsonObject> volumes, string where)
    {
        var security = container["securityContext"] as JsonObject ?? [];
        JsonNode? Effective(string field) => security[field] ?? podSecurity[field];

        if (Effective("runAsNonRoot") is not JsonValue nonRoot || !nonRoot.TryGetValue<bool>(out var isNonRoot) || !isNonRoot)
        {
            yield return $"{where} does not set runAsNonRoot: true.";
        }
        if (Effective("runAsUser") is not JsonValue user || !user.TryGetValue<long>(out var uid) || uid <= 0)
        {
            yield return $"{where} has no numeric non-root runAsUser.";
        }
        if (security["allowPrivilegeEscalation"] is not JsonValue escalation || !escalation.TryGetValue<bool>(out var allowed) || allowed)
        {
            yield return $"{where} does not set allowPrivilegeEscalation: false.";
        }
        if (security["privileged"] is JsonValue privileged && privileged.TryGetValue<bool>(out var isPrivileged) && isPrivileged)
        {
            yield return $"{where} is privileged.";
        }
        if (security["readOnlyRootFilesystem"] is not JsonValue readOnly || !readOnly.TryGetValue<bool>(out var isReadOnly) || !isReadOnly)
        {
            yield return $"{where} does not set readOnlyRootFilesystem: true.";
        }
        var dropped = (security["capabilities"]?["drop"] as JsonArray ?? []).Select(Text);
        if (!dropped.Contains("ALL"))
        {
            yield return $"{where} does not drop ALL capabilities.";
        }
        if ((security["capabilities"]?["add"] as JsonArray)?.Count > 0)
        {
            yield return $"{where} adds capabilities.";
        }
        if (Text(Effective("seccompProfile")?["type"]) is not ("RuntimeDefault" or "Localhost"))
        {
            yield return $"{where} has no RuntimeDefault seccomp profile.";
        }
        var tmp = (container["volumeMounts"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(m => Text(m["mountPath"]) == "/tmp");
        var tmpVolume = volumes.FirstOrDefault(v => tmp is not null && Text(v["name"]) == Text(tmp["name"]));
        if (tmpVolume?["emptyDir"] is not JsonObject)
        {
            yield return $"{where} has no emptyDir at /tmp (the root file system is read-only).";
        }
        var image = Text(container["image"]);
        var lastPart = image.Split('/')[^1];
        if (!image.Contains('@', StringComparison.Ordinal) && (!lastPart.Contains(':', StringComparison.Ordinal) || lastPart.EndsWith(":latest", StringComparison.Ordinal)))
        {
            yield return $"{where} runs image '{image}' without a tag or digest.";
        }
    }

    private static IEnumerable<string> Resources(JsonObject container, string where)
    {
        foreach (var kind in new[] { "requests", "limits" })
        {
            foreach (var resource in new[] { "cpu", "memory" })
            {
                if (container["resources"]?[kind]?[resource] is null)
                {
                    yield return $"{where} has no {resource} {kind[..^1]}.";
                }
            }
        }
    }

    private static IEnumerable<string> Environment(JsonObject container, string where)
    {
        var fromSecrets = new HashSet<string>();
        foreach (var variable in Manifests.Env(container))
        {
            var name = Text(variable["name"]);
            if (variable.ContainsKey("value"))
            {
                if (variable["value"] is not JsonValue value || !value.TryGetValue<string>(out var text))
                {
                    yield return $"{where} sets {name} to a value that is not a string.";
                    continue;
                }
                if (SecretLikeName().IsMatch(name))
                {
                    yield return $"{where} sets {name} to a literal value: a secret must come from a secretKeyRef.";
                }
                foreach (var match in ConnectionStringPassword().Matches(text).Concat(UriPassword().Matches(text)))
                {
                    var reference = EnvReference().Match(match.Groups[1].Value);
                    if (!reference.Success || !fromSecrets.Contains(reference.Groups[1].Value))
                    {
                        yield return $"{where} writes a password into {name} that is not $(VAR) of a variable from a secretKeyRef defined before it.";
                    }
                }
            }
            else if (variable["valueFrom"]?["secretKeyRef"] is JsonObject)
            {
                fromSecrets.Add(name);
            }
            else if (SecretLikeName().IsMatch(name))
            {
                yield return $"{where} takes {name} from somewhere else than a Secret.";
            }
        }
        foreach (var source in (container["envFrom"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (source["secretRef"] is not null)
            {
                yield return $"{where} imports a whole Secret with envFrom: name each secret with a secretKeyRef.";
            }
        }
    }

    private static IEnumerable<string> Probe(JsonObject container, string probe, string path, string where)
    {
        var httpGet = container[probe]?["httpGet"];
        if (httpGet is null)
        {
            yield return $"{where} has no {probe} (HTTP GET {path}).";
            yield break;
        }
        if (Text(httpGet["path"]) != path)
        {
            yield return $"{where} probes {Text(httpGet["path"])} for {probe}, not {path}.";
        }
        var port = Text(httpGet["port"]);
        var ports = (container["ports"] as JsonArray ?? []).OfType<JsonObject>();
        if (!ports.Any(p => Text(p["name"]) == port || Text(p["containerPort"]) == port))
        {
            yield return $"{where} {probe} uses port {port}, which the container does not declare.";
        }
    }

    /// <summary>
    /// Every Deployment leaves its replica count to an autoscaling/v2 HorizontalPodAutoscaler, has a
    /// PodDisruptionBudget and a Service that select its pods, the Service targeting a port the pods declare.
    /// </summary>
    public static List<string> Scaling(IReadOnlyList<JsonObject> resources)
    {
        var problems = new List<string>();
        foreach (var deployment in resources.OfKind("Deployment"))
        {
            var name = Manifests.Name(deployment);
            var labels = Manifests.PodLabels(deployment);
            if (deployment["spec"]?["replicas"] is not null)
            {
                problems.Add($"Deployment/{name} sets replicas, which its HorizontalPodAutoscaler owns.");
            }
            var hpa = resources.OfKind("HorizontalPodAutoscaler").FirstOrDefault(h =>
                Text(h["apiVersion"]) == "autoscaling/v2"
                && Text(h["spec"]?["scaleTargetRef"]?["kind"]) == "Deployment"
                && Text(h["spec"]?["scaleTargetRef"]?["name"]) == name);
            if (hpa is null)
            {
                problems.Add($"Deployment/{name} has no autoscaling/v2 HorizontalPodAutoscaler.");
            }
            else
            {
                var min = hpa["spec"]?["minReplicas"]?.GetValue<long>() ?? 1;
                var max = hpa["spec"]?["maxReplicas"]?.GetValue<long>() ?? 0;
                if (min < 1 || max < min)
                {
                    problems.Add($"{Kustomize.Describe(hpa)} scales between {min} and {max} replicas.");
                }
            }
            var pdb = resources.OfKind("PodDisruptionBudget").FirstOrDefault(p =>
                Text(p["apiVersion"]) == "policy/v1" && p["spec"]?["selector"]?["matchLabels"] is JsonObject selector && Manifests.Matches(selector, labels));
            if (pdb is null)
            {
                problems.Add($"Deployment/{name} has no policy/v1 PodDisruptionBudget selecting its pods.");
            }
            else if (pdb["spec"]?["minAvailable"] is null && pdb["spec"]?["maxUnavailable"] is null)
            {
                problems.Add($"{Kustomize.Describe(pdb)} sets neither minAvailable nor maxUnavailable.");
            }
            var containerPorts = Manifests.MainContainers(deployment)
                .SelectMany(c => (c["ports"] as JsonArray ?? []).OfType<JsonObject>())
                .SelectMany(p => new[] { Text(p["name"]), Text(p["containerPort"]) })
                .ToHashSet();
            var service = resources.OfKind("Service").FirstOrDefault(s => s["spec"]?["selector"] is JsonObject selector && Manifests.Matches(selector, labels));
            if (service is null)
            {
                problems.Add($"Deployment/{name} has no Service selecting its pods.");
            }
            else if (!(service["spec"]?["ports"] as JsonArray ?? []).OfType<JsonObject>().Any(p => containerPorts.Contains(Text(p["targetPort"] ?? p["port"]))))
            {
                problems.Add($"{Kustomize.Describe(service)} targets no port that Deployment/{name} declares.");
            }
        }
        return problems;
    }

    /// <summary>Every Secret the overlay references, by secretKeyRef, volume or ingress TLS.</summary>
    public static IEnumerable<(string Secret, bool Optional)> ReferencedSecrets(IReadOnlyList<JsonObject> resources)
    {
        foreach (var workload in resources.Workloads())
        {
            foreach (var variable in Manifests.Containers(workload).SelectMany(Manifests.Env))
            {
                if (variable["valueFrom"]?["secretKeyRef"] is JsonObject reference)
                {
                    yield return (Text(reference["name"]), reference["optional"]?.GetValue<bool>() == true);
                }
            }
            foreach (var volume in (Manifests.PodSpec(workload)?["volumes"] as JsonArray ?? []).OfType<JsonObject>())
            {
                if (volume["secret"] is JsonObject secret)
                {
                    yield return (Text(secret["secretName"]), secret["optional"]?.GetValue<bool>() == true);
                }
            }
        }
        foreach (var tls in resources.OfKind("Ingress").SelectMany(i => (i["spec"]?["tls"] as JsonArray ?? []).OfType<JsonObject>()))
        {
            yield return (Text(tls["secretName"]), false);
        }
        foreach (var role in resources.OfKind("Cluster").SelectMany(c => (c["spec"]?["managed"]?["roles"] as JsonArray ?? []).OfType<JsonObject>()))
        {
            yield return (Text(role["passwordSecret"]?["name"]), false);
        }
        foreach (var cluster in resources.OfKind("Cluster"))
        {
            if (cluster["spec"]?["bootstrap"]?["initdb"]?["secret"]?["name"] is JsonNode initdbSecret)
            {
                yield return (Text(initdbSecret), false);
            }
        }
    }

    /// <summary>The Secrets the operators make: RabbitMQ's default user and CloudNativePG's CA, named after their clusters.</summary>
    public static HashSet<string> OperatorSecrets(IReadOnlyList<JsonObject> resources) =>
        resources.OfKind("RabbitmqCluster").Select(r => Manifests.Name(r) + "-default-user")
            .Concat(resources.OfKind("Cluster").Select(c => Manifests.Name(c) + "-ca"))
            .ToHashSet();

    /// <summary>
    /// Without generated Secrets (prod) the overlay holds no Secret at all: they are created out of band. With them
    /// (dev) each value is an obvious placeholder, and every Secret referenced is either made there or by an operator.
    /// </summary>
    public static List<string> Secrets(IReadOnlyList<JsonObject> resources, bool placeholderSecretsAllowed)
    {
        var problems = new List<string>();
        var secrets = resources.OfKind("Secret").ToList();
        foreach (var secret in secrets)
        {
            if (!placeholderSecretsAllowed)
            {
                problems.Add($"{Kustomize.Describe(secret)} is written in the manifests: production Secrets are created out of band.");
                continue;
            }
            foreach (var (key, value) in secret["data"] as JsonObject ?? [])
            {
                var text = Decoded(Text(value)) ?? "";
                // A key that must itself be base64 (Auth:SigningKey) is a placeholder once decoded.
                var readable = text + " " + Decoded(text);
                if (key != "username" && !readable.Contains("placeholder", StringComparison.OrdinalIgnoreCase))
                {
                    problems.Add($"{Kustomize.Describe(secret)} holds {key} that is not an obvious placeholder.");
                }
            }
            foreach (var (key, _) in secret["stringData"] as JsonObject ?? [])
            {
                problems.Add($"{Kustomize.Describe(secret)} holds {key} as stringData.");
            }
        }
        if (placeholderSecretsAllowed)
        {
            var made = secrets.Select(Manifests.Name).Concat(OperatorSecrets(resources)).ToHashSet();
            foreach (var (name, optional) in ReferencedSecrets(resources).Distinct())
            {
                if (!optional && !made.Contains(name))
                {
                    problems.Add($"Secret {name} is referenced but neither made by the overlay nor by an operator.");
                }
            }
        }
        return problems;
    }

    private static string? Decoded(string base64)
    {
        var bytes = new byte[base64.Length];
        return Convert.TryFromBase64String(base64, bytes, out var length) ? Encoding.UTF8.GetString(bytes, 0, length) : null;
    }

    /// <summary>
    /// The gateway and each service run, each on a CloudNativePG database of its own, owned by a role whose password
    /// Secret is the one the Deployment reads; each applies its migrations in an init container of the same image
    /// before it starts; services on RabbitMQ reach a RabbitmqCluster and declare quorum queues; the ingress leads to
    /// the gateway.
    /// </summary>
    public static List<string> Platform(IReadOnlyList<JsonObject> resources)
    {
        var problems = new List<string>();
        var configMaps = resources.OfKind("ConfigMap").ToDictionary(Manifests.Name);
        foreach (var (service, database) in Databases)
        {
            var deployment = resources.Find("Deployment", service);
            if (deployment is null)
            {
                problems.Add($"There is no Deployment {service}.");
                continue;
            }
            var main = Manifests.MainContainers(deployment).FirstOrDefault() ?? [];
            var connection = Manifests.Env(main).FirstOrDefault(e => Text(e["name"]) == $"ConnectionStrings__{database}");
            if (connection is null)
            {
                problems.Add($"Deployment/{service} has no ConnectionStrings__{database}.");
                continue;
            }
            var passwordSecret = Manifests.Env(main)
                .Select(e => e["valueFrom"]?["secretKeyRef"])
                .FirstOrDefault(r => r is not null && Text(r["key"]) == "password");
            var owner = DatabaseOwner(resources, database);
            if (owner is null)
            {
                problems.Add($"No CloudNativePG Database or initdb makes {database}.");
            }
            else if (passwordSecret is null || Text(passwordSecret["name"]) != owner.Value.PasswordSecret)
            {
                problems.Add($"Deployment/{service} does not log in as {owner.Value.Role}, the owner of {database}, with its Secret {owner.Value.PasswordSecret}.");
            }

            var migration = Manifests.InitContainers(deployment).FirstOrDefault(c =>
                (c["args"] as JsonArray ?? []).Select(Text).Contains(ResourceNames.MigrateArgument));
            if (migration is null)
            {
                problems.Add($"Deployment/{service} has no init container that runs {ResourceNames.MigrateArgument}.");
            }
            else
            {
                if (Text(migration["image"]) != Text(main["image"]))
                {
                    problems.Add($"Deployment/{service} migrates with image {Text(migration["image"])} but runs {Text(main["image"])}.");
                }
                var migrationConnection = Manifests.Env(migration).FirstOrDefault(e => Text(e["name"]) == $"ConnectionStrings__{database}");
                if (migrationConnection is null || Text(migrationConnection["value"]) != Text(connection["value"]))
                {
                    problems.Add($"Deployment/{service} migrates another database than it uses.");
                }
            }

            var messaging = Manifests.Env(main).FirstOrDefault(e => Text(e["name"]) == $"ConnectionStrings__{ResourceNames.Messaging}");
            if (messaging is not null)
            {
                var address = Text(messaging["value"]);
                var host = address[(Math.Max(address.LastIndexOf('@'), address.IndexOf("://", StringComparison.Ordinal) + 2) + 1)..].Split(':', '/')[0];
                if (resources.Find("RabbitmqCluster", host) is null)
                {
                    problems.Add($"Deployment/{service} connects to RabbitMQ at {host}, which is no RabbitmqCluster.");
                }
                var quorum = (main["envFrom"] as JsonArray ?? []).OfType<JsonObject>()
                    .Select(source => configMaps.GetValueOrDefault(Text(source["configMapRef"]?["name"])))
                    .Any(map => Text(map?["data"]?["Messaging__QuorumQueues"]) == "true");
                if (!quorum)
                {
                    problems.Add($"Deployment/{service} does not get Messaging__QuorumQueues=true.");
                }
            }
        }
        var ingress = resources.OfKind("Ingress").SingleOrDefault();
        var backends = ingress?["spec"]?["rules"]?.AsArray().SelectMany(r => r?["http"]?["paths"]?.AsArray() ?? [])
            .Select(p => Text(p?["backend"]?["service"]?["name"])).ToList() ?? [];
        if (backends.Count == 0 || backends.Any(b => b != ResourceNames.Gateway))
        {
            problems.Add("The Ingress must lead to the gateway Service, and only there.");
        }
        return problems;
    }

    private static (string Role, string PasswordSecret)? DatabaseOwner(IReadOnlyList<JsonObject> resources, string database)
    {
        foreach (var cluster in resources.OfKind("Cluster"))
        {
            var initdb = cluster["spec"]?["bootstrap"]?["initdb"];
            if (Text(initdb?["database"]) == database)
            {
                return (Text(initdb?["owner"]), Text(initdb?["secret"]?["name"]));
            }
        }
        var made = resources.OfKind("Database").FirstOrDefault(d => Text(d["spec"]?["name"]) == database);
        if (made is null)
        {
            return null;
        }
        var role = Text(made["spec"]?["owner"]);
        var owningCluster = resources.Find("Cluster", Text(made["spec"]?["cluster"]?["name"]));
        var managed = (owningCluster?["spec"]?["managed"]?["roles"] as JsonArray ?? []).OfType<JsonObject>()
            .FirstOrDefault(r => Text(r["name"]) == role && r["login"]?.GetValue<bool>() == true);
        return managed is null ? null : (role, Text(managed["passwordSecret"]?["name"]));
    }
}
