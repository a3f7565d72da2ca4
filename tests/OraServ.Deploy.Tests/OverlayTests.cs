using OraServ.Contracts;

namespace OraServ.Deploy.Tests;

public sealed class OverlayTests
{
    [Fact]
    public void There_are_a_dev_and_a_prod_overlay()
    {
        Assert.Equal(["dev", "prod"], Overlays.Names);
    }

    [Theory]
    [MemberData(nameof(Overlays.All), MemberType = typeof(Overlays))]
    public void Every_workload_is_probed_limited_non_root_read_only_and_gets_its_secrets_by_reference(string overlay)
    {
        var resources = Overlays.Render(overlay);

        Assert.Equal(Checks.Databases.Keys.Order(), resources.OfKind("Deployment").Select(Manifests.Name).Order());
        Assert.Empty(Checks.Workloads(resources));
    }

    [Theory]
    [MemberData(nameof(Overlays.All), MemberType = typeof(Overlays))]
    public void Every_deployment_has_an_autoscaler_a_disruption_budget_and_a_service(string overlay)
    {
        Assert.Empty(Checks.Scaling(Overlays.Render(overlay)));
    }

    [Theory]
    [MemberData(nameof(Overlays.All), MemberType = typeof(Overlays))]
    public void Every_service_has_its_own_database_migrates_it_before_starting_and_declares_quorum_queues(string overlay)
    {
        Assert.Empty(Checks.Platform(Overlays.Render(overlay)));
    }

    [Theory]
    [MemberData(nameof(Overlays.All), MemberType = typeof(Overlays))]
    public void Secrets_are_placeholders_in_dev_and_not_in_the_manifests_in_prod(string overlay)
    {
        Assert.Empty(Checks.Secrets(Overlays.Render(overlay), placeholderSecretsAllowed: overlay == "dev"));
    }

    [Theory]
    [MemberData(nameof(Overlays.All), MemberType = typeof(Overlays))]
    public void Every_secret_to_create_out_of_band_is_in_the_deploy_readme(string overlay)
    {
        var resources = Overlays.Render(overlay);
        var readme = File.ReadAllText(Path.Combine(Overlays.K8s, "README.md"));
        var operatorMade = Checks.OperatorSecrets(resources);

        var undocumented = Checks.ReferencedSecrets(resources).Select(r => r.Secret).Distinct()
            .Where(name => !operatorMade.Contains(name) && !readme.Contains($"`{name}`", StringComparison.Ordinal));

        Assert.Empty(undocumented);
    }

    [Fact]
    public void Prod_runs_three_rabbitmq_nodes_three_postgres_instances_and_serves_https()
    {
        var resources = Overlays.Render("prod");

        Assert.Equal(3, resources.OfKind("RabbitmqCluster").Single()["spec"]!["replicas"]!.GetValue<long>());
        Assert.Equal("rabbitmq.com/v1beta1", Kustomize.Text(resources.OfKind("RabbitmqCluster").Single()["apiVersion"]));
        Assert.Equal(3, resources.OfKind("Cluster").Single()["spec"]!["instances"]!.GetValue<long>());
        Assert.Equal("postgresql.cnpg.io/v1", Kustomize.Text(resources.OfKind("Cluster").Single()["apiVersion"]));
        var ingress = resources.OfKind("Ingress").Single();
        var hosts = ingress["spec"]!["rules"]!.AsArray().Select(r => Kustomize.Text(r!["host"]));
        var tlsHosts = ingress["spec"]!["tls"]!.AsArray().SelectMany(t => t!["hosts"]!.AsArray().Select(Kustomize.Text));
        Assert.NotEmpty(hosts);
        Assert.All(hosts, host => Assert.Contains(host, tlsHosts));
        Assert.All(resources, r => Assert.Equal("oraserv", Kustomize.Text(r["metadata"]!["namespace"])));
        Assert.All(resources.Workloads().SelectMany(Manifests.Containers),
            c => Assert.StartsWith("registry.example.com/oraserv/", Kustomize.Text(c["image"]), StringComparison.Ordinal));
    }

    [Fact]
    public void Payments_gets_the_stripe_keys_and_notifications_the_smtp_and_twilio_credentials_from_secrets()
    {
        var resources = Overlays.Render("prod");
        string? SecretOf(string deployment, string variable) => Manifests.Env(Manifests.MainContainers(resources.Find("Deployment", deployment)!).Single())
            .Where(e => Kustomize.Text(e["name"]) == variable)
            .Select(e => Kustomize.Text(e["valueFrom"]?["secretKeyRef"]?["name"]))
            .SingleOrDefault();

        Assert.Equal("oraserv-stripe", SecretOf(ResourceNames.Payments, "Stripe__SecretKey"));
        Assert.Equal("oraserv-stripe", SecretOf(ResourceNames.Payments, "Stripe__WebhookSecrets__0"));
        Assert.Equal("oraserv-smtp", SecretOf(ResourceNames.Notifications, "Smtp__Password"));
        Assert.Equal("oraserv-twilio", SecretOf(ResourceNames.Notifications, "Twilio__AuthToken"));
        Assert.All(Checks.Databases.Keys, service => Assert.Equal("oraserv-auth", SecretOf(service, "Auth__SigningKey")));
    }
}
