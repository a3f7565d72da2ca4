namespace OraServ.Testing;

public static class RepositoryPaths
{
    /// <summary>The checkout's root: the folder that holds OraServ.sln.</summary>
    public static string Root { get; } = FindRoot();

    public static string Scripts => Path.Combine(Root, "deploy", "local");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OraServ.sln")))
            {
                return dir.FullName;
            }
        }
        var baked = typeof(RepositoryPaths).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value;
        if (baked is not null && File.Exists(Path.Combine(baked, "OraServ.sln")))
        {
            return baked;
        }
        throw new InvalidOperationException("OraServ.sln not found above " + AppContext.BaseDirectory);
    }
}
