using OraServ.Testing;

namespace OraServ.Deploy.Tests;

/// <summary>deploy/k8s and its overlays, rendered afresh on every call (tests may change what they get).</summary>
public static class Overlays
{
    public static string K8s => Path.Combine(RepositoryPaths.Root, "deploy", "k8s");

    public static IEnumerable<string> Names =>
        Directory.GetDirectories(Path.Combine(K8s, "overlays")).Select(Path.GetFileName).OfType<string>().Order();

    public static TheoryData<string> All => new(Names);

    public static List<JsonObject> Render(string overlay) => Kustomize.Build(Path.Combine(K8s, "overlays", overlay));
}
