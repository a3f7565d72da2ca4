using System.Text;

namespace OraServ.Deploy.Tests;

/// <summary>The checks find what they are for: each case breaks one thing in a fresh rendering of prod (dev: of dev).</summary>
public sealed class CheckTests
{
    private static readonly Dictionary<string, (Action<List<JsonObject>> Break, Func<List<JsonObject>, List<string>> Check, string Expected)> Cases = new()
    {
        ["no readiness probe"] = (r => Container(r, "payments").Remove("readinessProbe"), Checks.Workloads, "Deployment/payments container payments has no readinessProbe"),
        ["liveness on /health"] = (r => Container(r, "jobs")["livenessProbe"]!["httpGet"]!["path"] = "/health", Checks.Workloads, "probes /health for livenessProbe, not /alive"),
        ["probe on an undeclared port"] = (r => Container(r, "jobs")["readinessProbe"]!["httpGet"]!["port"] = "admin", Checks.Workloads, "readinessProbe uses port admin"),
        ["root user"] = (r => Init(r, "invoicing")["securityContext"]!["runAsUser"] = 0, Checks.Workloads, "container migrate has no numeric non-root runAsUser"),
        ["named user"] = (r => Container(r, "gateway")["securityContext"]!["runAsUser"] = "app", Checks.Workloads, "container gateway has no numeric non-root runAsUser"),
        ["writable root file system"] = (r => Container(r, "automation")["securityContext"]!["readOnlyRootFilesystem"] = false, Checks.Workloads, "does not set readOnlyRootFilesystem: true"),
        ["no /tmp"] = (r => Container(r, "automation").Remove("volumeMounts"), Checks.Workloads, "has no emptyDir at /tmp"),
        ["capabilities kept"] = (r => Container(r, "jobs")["securityContext"]!.AsObject().Remove("capabilities"), Checks.Workloads, "does not drop ALL capabilities"),
        ["privilege escalation"] = (r => Container(r, "jobs")["securityContext"]!.AsObject().Remove("allowPrivilegeEscalation"), Checks.Workloads, "does not set allowPrivilegeEscalation: false"),
        ["no memory limit"] = (r => Container(r, "notifications")["resources"]!["limits"]!.AsObject().Remove("memory"), Checks.Workloads, "container notifications has no memory limit"),
        ["no cpu request"] = (r => Init(r, "jobs")["resources"]!["requests"]!.AsObject().Remove("cpu"), Checks.Workloads, "container migrate has no cpu request"),
        ["literal Stripe key"] = (r => Env(Container(r, "payments"), "Stripe__SecretKey").ReplaceWith(new JsonObject { ["name"] = "Stripe__SecretKey", ["value"] = "sk_live_51Abc" }), Checks.Workloads, "sets Stripe__SecretKey to a literal value"),
        ["literal database password"] = (r => Env(Container(r, "jobs"), "ConnectionStrings__jobsdb")["value"] = "Host=db;Username=jobs;Password=hunter22", Checks.Workloads, "writes a password into ConnectionStrings__jobsdb"),
        ["literal RabbitMQ password"] = (r => Env(Container(r, "jobs"), "ConnectionStrings__messaging")["value"] = "amqp://oraserv:hunter22@oraserv-rabbitmq:5672/", Checks.Workloads, "writes a password into ConnectionStrings__messaging"),
        ["secret from a config map"] = (r => Env(Container(r, "gateway"), "Auth__SigningKey")["valueFrom"] = new JsonObject { ["configMapKeyRef"] = new JsonObject { ["name"] = "gateway-config", ["key"] = "k" } }, Checks.Workloads, "takes Auth__SigningKey from somewhere else than a Secret"),
        ["a whole secret as env"] = (r => ((JsonArray)Container(r, "jobs")["envFrom"]!).Add(new JsonObject { ["secretRef"] = new JsonObject { ["name"] = "oraserv-stripe" } }), Checks.Workloads, "imports a whole Secret with envFrom"),
        ["secret in a config map"] = (r => r.Find("ConfigMap", "payments-config")!["data"]!["Stripe__SecretKey"] = "sk_live_51Abc", Checks.Workloads, "ConfigMap/payments-config holds Stripe__SecretKey"),
        ["non-string env value"] = (r => Env(Container(r, "jobs"), "OTEL_SERVICE_NAME")["value"] = 5, Checks.Workloads, "sets OTEL_SERVICE_NAME to a value that is not a string"),
        ["latest image"] = (r => Container(r, "jobs")["image"] = "registry.example.com/oraserv/jobs", Checks.Workloads, "without a tag or digest"),
        ["service account token"] = (r => Manifests.PodSpec(r.Find("Deployment", "jobs")!)!["automountServiceAccountToken"] = true, Checks.Workloads, "Deployment/jobs mounts a service account token"),
        ["no autoscaler"] = (r => r.Remove(r.Find("HorizontalPodAutoscaler", "invoicing")!), Checks.Scaling, "Deployment/invoicing has no autoscaling/v2 HorizontalPodAutoscaler"),
        ["fixed replicas"] = (r => r.Find("Deployment", "invoicing")!["spec"]!["replicas"] = 2, Checks.Scaling, "Deployment/invoicing sets replicas"),
        ["no disruption budget"] = (r => r.Remove(r.Find("PodDisruptionBudget", "payments")!), Checks.Scaling, "Deployment/payments has no policy/v1 PodDisruptionBudget"),
        ["service selects nothing"] = (r => r.Find("Service", "automation")!["spec"]!["selector"]!["app.kubernetes.io/name"] = "other", Checks.Scaling, "Deployment/automation has no Service"),
        ["no migration"] = (r => Manifests.PodSpec(r.Find("Deployment", "invoicing")!)!.Remove("initContainers"), Checks.Platform, "Deployment/invoicing has no init container that runs --Migrate:Only=true"),
        ["migration of an older image"] = (r => Init(r, "payments")["image"] = "registry.example.com/oraserv/payments:0.9.0", Checks.Platform, "Deployment/payments migrates with image"),
        ["shared database"] = (r => r.Remove(r.First(x => Manifests.Kind(x) == "Database" && Kustomize.Text(x["spec"]!["name"]) == "automationdb")), Checks.Platform, "No CloudNativePG Database or initdb makes automationdb"),
        ["another service's credentials"] = (r => Env(Container(r, "jobs"), "DB_PASSWORD")["valueFrom"]!["secretKeyRef"]!["name"] = "payments-db-credentials", Checks.Platform, "Deployment/jobs does not log in as jobs"),
        ["classic queues"] = (r => r.Find("ConfigMap", "oraserv-config")!["data"]!["Messaging__QuorumQueues"] = "false", Checks.Platform, "Deployment/payments does not get Messaging__QuorumQueues=true"),
        ["no RabbitMQ cluster"] = (r => r.Remove(r.OfKind("RabbitmqCluster").Single()), Checks.Platform, "which is no RabbitmqCluster"),
        ["ingress elsewhere"] = (r => r.OfKind("Ingress").Single()["spec"]!["rules"]![0]!["http"]!["paths"]![0]!["backend"]!["service"]!["name"] = "payments", Checks.Platform, "The Ingress must lead to the gateway Service"),
        ["secret in prod"] = (r => r.Add(Secret("oraserv-stripe", "secret-key", "sk_live_51Abc")), r => Checks.Secrets(r, placeholderSecretsAllowed: false), "Secret/oraserv-stripe is written in the manifests"),
        ["dev: real-looking secret"] = (r => r.Find("Secret", "oraserv-stripe")!["data"]!["secret-key"] = Convert.ToBase64String(Encoding.UTF8.GetBytes("sk_test_51Abc")), r => Checks.Secrets(r, placeholderSecretsAllowed: true), "Secret/oraserv-stripe holds secret-key that is not an obvious placeholder"),
        ["dev: real-looking signing key"] = (r => r.Find("Secret", "oraserv-auth")!["data"]!["signing-key"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(Convert.ToBase64String(new byte[32]))), r => Checks.Secrets(r, placeholderSecretsAllowed: true), "Secret/oraserv-auth holds signing-key that is not an obvious placeholder"),
        ["dev: secret not made"] = (r => r.Remove(r.Find("Secret", "oraserv-stripe")!), r => Checks.Secrets(r, placeholderSecretsAllowed: true), "Secret oraserv-stripe is referenced but neither made"),
    };

    public static TheoryData<string> Names => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void A_broken_manifest_is_reported(string name)
    {
        var (breakIt, check, expected) = Cases[name];
        var resources = Overlays.Render(name.StartsWith("dev:", StringComparison.Ordinal) ? "dev" : "prod");
        Assert.DoesNotContain(check(resources), p => p.Contains(expected, StringComparison.Ordinal));

        breakIt(resources);

        Assert.Contains(check(resources), p => p.Contains(expected, StringComparison.Ordinal));
    }

    private static JsonObject Container(List<JsonObject> resources, string deployment) =>
        Manifests.MainContainers(resources.Find("Deployment", deployment)!).Single();

    private static JsonObject Init(List<JsonObject> resources, string deployment) =>
        Manifests.InitContainers(resources.Find("Deployment", deployment)!).Single();

    private static JsonObject Env(JsonObject container, string name) =>
        Manifests.Env(container).Single(e => Kustomize.Text(e["name"]) == name);

    private static JsonObject Secret(string name, string key, string value) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Secret",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["data"] = new JsonObject { [key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(value)) },
    };
}
