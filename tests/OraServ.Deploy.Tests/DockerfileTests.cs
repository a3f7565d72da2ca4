using OraServ.Testing;

namespace OraServ.Deploy.Tests;

public sealed class DockerfileTests
{
    private static readonly string[] Skipped = ["node_modules", "artifacts", ".git", "bin", "obj"];

    private static List<string> AllDockerfiles() =>
        Directory.EnumerateFiles(RepositoryPaths.Root, "*", SearchOption.AllDirectories)
            .Where(path => Path.GetFileName(path) is var name
                && (name == "Dockerfile" || name.EndsWith(".Dockerfile", StringComparison.OrdinalIgnoreCase)
                    || (name.StartsWith("Dockerfile.", StringComparison.Ordinal) && !name.EndsWith(".cs", StringComparison.Ordinal))))
            .Where(path => !Path.GetRelativePath(RepositoryPaths.Root, path).Split(Path.DirectorySeparatorChar).Any(Skipped.Contains))
            .ToList();

    [Fact]
    public void Every_image_runs_as_a_numeric_non_root_user_on_a_small_runtime_without_build_tools()
    {
        var dockerfiles = AllDockerfiles();

        Assert.NotEmpty(dockerfiles);
        Assert.All(dockerfiles, path => Assert.Empty(Dockerfiles.Problems(path)));
    }

    [Fact]
    public void The_gateway_and_service_targets_are_the_images_and_the_gateway_carries_the_web_app()
    {
        var stages = Dockerfiles.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", "docker", "Dockerfile")));

        var gateway = stages.Single(s => s.Name == "gateway");
        Assert.Equal("service", gateway.Base);
        Assert.Contains(gateway.Instructions, i => i.Instruction == "COPY" && i.Arguments.StartsWith("--from=web ", StringComparison.Ordinal));
        Assert.Contains("noble-chiseled", stages.Single(s => s.Name == "service").Base, StringComparison.Ordinal);
        Assert.StartsWith("node:20", stages.Single(s => s.Name == "web").Base, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("USER 1654:1654", "", "stage service runs as 'root (no USER)'")]
    [InlineData("USER 1654:1654", "USER app", "stage service runs as 'app'")]
    [InlineData("USER 1654:1654", "USER 0", "stage service runs as '0'")]
    [InlineData("FROM ${DOTNET_RUNTIME} AS service", "FROM ${DOTNET_SDK} AS service", "stage service ships build tools")]
    [InlineData("aspnet:10.0-noble-chiseled-extra", "aspnet:10.0", "not a small (chiseled, distroless or alpine) image")]
    public void A_dockerfile_that_runs_as_root_or_ships_build_tools_is_reported(string line, string replacement, string expected)
    {
        var original = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", "docker", "Dockerfile"));
        Assert.Contains(line, original, StringComparison.Ordinal);
        var path = Path.Combine(Directory.CreateTempSubdirectory("oraserv-docker-").FullName, "Dockerfile");
        File.WriteAllText(path, original.Replace(line, replacement, StringComparison.Ordinal));
        try
        {
            Assert.Contains(Dockerfiles.Problems(path), p => p.Contains(expected, StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Fact]
    public void The_build_context_leaves_out_build_output_dependencies_and_local_data()
    {
        var ignored = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, ".dockerignore")).Select(l => l.Trim()).ToHashSet();

        Assert.Superset(new HashSet<string> { "**/bin/", "**/obj/", "artifacts/", "**/node_modules/", "gateway/web/dist/", ".data/", ".git/" }, ignored);
    }
}
