using System.Diagnostics;

namespace OraServ.Deploy.Tests;

/// <summary>A test that needs kubectl (in the dotnet machine image here; Debian 12 does not package it) and is skipped without it.</summary>
public sealed class KubectlFactAttribute : FactAttribute
{
    public KubectlFactAttribute()
    {
        if (KustomizeTests.Kubectl is null)
        {
            Skip = "kubectl is not installed: the overlays are checked with the tests' own Kustomize subset only.";
        }
    }
}

public sealed class KustomizeTests
{
    public static string? Kubectl { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
        .Select(dir => Path.Combine(dir, "kubectl"))
        .FirstOrDefault(File.Exists);

    [KubectlFact]
    public void The_subset_renders_base_and_every_overlay_exactly_as_kubectl_kustomize_does()
    {
        var directories = Overlays.Names.Select(n => Path.Combine(Overlays.K8s, "overlays", n)).Append(Path.Combine(Overlays.K8s, "base"));
        foreach (var directory in directories)
        {
            var ours = Kustomize.Build(directory).ToDictionary(Key);
            var theirs = Yaml.ReadDocuments(KubectlKustomize(directory)).Select(UnwrapSecretData).ToDictionary(Key);

            Assert.Equal(theirs.Keys.Order(), ours.Keys.Order());
            foreach (var (key, resource) in theirs)
            {
                Assert.True(JsonNode.DeepEquals(resource, ours[key]),
                    $"{directory}: {key} differs.\nkubectl: {resource.ToJsonString()}\nsubset:  {ours[key].ToJsonString()}");
            }
        }
    }

    [Fact]
    public void Patches_merge_named_list_items_and_maps_and_replace_other_lists()
    {
        var deployment = Yaml.ReadDocuments("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              template:
                spec:
                  containers:
                    - name: web
                      image: web:1
                      env: [{name: A, value: "1"}, {name: B, value: "2"}]
                      args: [--one]
                    - name: sidecar
                      image: sidecar:1
            """).Single();
        var patch = Yaml.ReadDocuments("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              template:
                spec:
                  containers:
                    - name: web
                      env: [{name: B, value: "3"}, {name: C, value: "4"}]
                      args: [--two]
                      image: null
            """).Single();

        Kustomize.Merge(deployment, patch, strategic: true);

        var containers = deployment["spec"]!["template"]!["spec"]!["containers"]!.AsArray();
        Assert.Equal(2, containers.Count);
        var web = containers[0]!;
        Assert.Equal("""[{"name":"A","value":"1"},{"name":"B","value":"3"},{"name":"C","value":"4"}]""", web["env"]!.ToJsonString());
        Assert.Equal("""["--two"]""", web["args"]!.ToJsonString());
        Assert.Null(web["image"]);
        Assert.Equal("sidecar:1", Kustomize.Text(containers[1]!["image"]));
    }

    [Fact]
    public void A_custom_resource_patch_replaces_lists_whole()
    {
        var cluster = Yaml.ReadDocuments("{apiVersion: example.com/v1, kind: Thing, metadata: {name: t}, spec: {items: [{name: a, size: 1}], size: 1}}").Single();
        var patch = Yaml.ReadDocuments("{spec: {items: [{name: b}]}}").Single();

        Kustomize.Merge(cluster, patch, strategic: false);

        Assert.Equal("""{"items":[{"name":"b"}],"size":1}""", cluster["spec"]!.ToJsonString());
    }

    [Fact]
    public void Namespace_images_and_generated_secrets_are_applied()
    {
        var root = Directory.CreateTempSubdirectory("oraserv-kustomize-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "base"));
            Directory.CreateDirectory(Path.Combine(root, "overlay"));
            File.WriteAllText(Path.Combine(root, "base", "kustomization.yaml"), "resources: [app.yaml]\n");
            File.WriteAllText(Path.Combine(root, "base", "app.yaml"), """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: app}
                spec: {template: {spec: {initContainers: [{name: init, image: "oraserv/app"}], containers: [{name: app, image: "oraserv/app:old"}]}}}
                """);
            File.WriteAllText(Path.Combine(root, "overlay", "kustomization.yaml"), """
                namespace: staging
                resources: [../base]
                images: [{name: oraserv/app, newName: registry.example.com/app, newTag: "1.2"}]
                generatorOptions: {disableNameSuffixHash: true}
                secretGenerator: [{name: creds, type: kubernetes.io/basic-auth, literals: [username=app, password=placeholder]}]
                """);

            var resources = Kustomize.Build(Path.Combine(root, "overlay"));

            var app = resources.Find("Deployment", "app")!;
            Assert.Equal(["registry.example.com/app:1.2", "registry.example.com/app:1.2"], Manifests.Containers(app).Select(c => Kustomize.Text(c["image"])));
            Assert.All(resources, r => Assert.Equal("staging", Kustomize.Text(r["metadata"]!["namespace"])));
            var secret = resources.Find("Secret", "creds")!;
            Assert.Equal("kubernetes.io/basic-auth", Kustomize.Text(secret["type"]));
            Assert.Equal("cGxhY2Vob2xkZXI=", Kustomize.Text(secret["data"]!["password"]));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void A_kustomization_outside_the_subset_is_refused()
    {
        var root = Directory.CreateTempSubdirectory("oraserv-kustomize-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(root, "kustomization.yaml"), "resources: []\ncommonLabels: {team: billing}\n");

            var refused = Assert.Throws<NotSupportedException>(() => Kustomize.Build(root));

            Assert.Contains("'commonLabels' is not in the Kustomize subset", refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>kubectl writes a long Secret value over several lines; the value is the same base64 without them.</summary>
    private static JsonObject UnwrapSecretData(JsonObject resource)
    {
        if (Manifests.Kind(resource) == "Secret" && resource["data"] is JsonObject data)
        {
            foreach (var (key, value) in data.ToList())
            {
                data[key] = Kustomize.Text(value).Replace("\n", "", StringComparison.Ordinal);
            }
        }
        return resource;
    }

    private static string Key(JsonObject resource) =>
        $"{Manifests.Kind(resource)}/{Kustomize.Text(resource["metadata"]?["namespace"])}/{Manifests.Name(resource)}";

    private static string KubectlKustomize(string directory)
    {
        using var process = Process.Start(new ProcessStartInfo(Kubectl!, ["kustomize", directory])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"kubectl kustomize {directory} failed: {error.Result}");
        return output.Result;
    }
}
