using System.Text.RegularExpressions;

namespace OraServ.Deploy.Tests;

/// <summary>One build stage of a Dockerfile: its base (an image or an earlier stage) and its instructions.</summary>
public sealed record DockerStage(string Name, string Base, List<(string Instruction, string Arguments)> Instructions);

/// <summary>Reads Dockerfiles (continuation lines joined, comments dropped, ARG defaults substituted in FROM) and checks them.</summary>
public static partial class Dockerfiles
{
    [GeneratedRegex(@"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")]
    private static partial Regex Variable();

    public static List<DockerStage> Parse(string text)
    {
        var lines = new List<string>();
        var current = "";
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.TrimStart().StartsWith('#'))
            {
                continue;
            }
            if (line.EndsWith('\\'))
            {
                current += line[..^1] + " ";
                continue;
            }
            current += line;
            if (current.Trim().Length > 0)
            {
                lines.Add(current.Trim());
            }
            current = "";
        }

        var args = new Dictionary<string, string>();
        var stages = new List<DockerStage>();
        foreach (var line in lines)
        {
            var split = line.IndexOf(' ', StringComparison.Ordinal);
            var instruction = (split < 0 ? line : line[..split]).ToUpperInvariant();
            var arguments = split < 0 ? "" : line[(split + 1)..].Trim();
            if (instruction == "FROM")
            {
                var words = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToArray();
                var image = Variable().Replace(words[0], m => args.GetValueOrDefault(m.Groups[1].Value, m.Value));
                var name = words.Length >= 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? words[2] : $"stage{stages.Count}";
                stages.Add(new DockerStage(name, image, []));
            }
            else if (stages.Count == 0 && instruction == "ARG" && arguments.Split('=', 2) is [var key, var value])
            {
                args[key] = value;
            }
            else if (stages.Count > 0)
            {
                stages[^1].Instructions.Add((instruction, arguments));
            }
        }
        return stages;
    }

    /// <summary>
    /// The stages an image is built from: the last one and every one that no other stage copies from (a --target),
    /// each with its chain of bases. Their effective USER must be numeric and not 0, and no base may be an SDK or node.
    /// </summary>
    public static List<string> Problems(string path)
    {
        var stages = Parse(File.ReadAllText(path));
        var copiedFrom = stages.SelectMany(s => s.Instructions)
            .Where(i => i.Instruction == "COPY")
            .SelectMany(i => i.Arguments.Split(' '))
            .Where(w => w.StartsWith("--from=", StringComparison.Ordinal))
            .Select(w => w["--from=".Length..])
            .ToHashSet();
        var finals = stages.Where(s => !copiedFrom.Contains(s.Name)).Append(stages[^1]).Distinct();
        var problems = new List<string>();
        foreach (var stage in finals)
        {
            var chain = new List<DockerStage>();
            for (var s = stage; s is not null; s = stages.FirstOrDefault(b => b.Name == s.Base))
            {
                chain.Add(s);
            }
            var baseImage = chain[^1].Base;
            // The stage's own USER wins over its bases': from the stage towards the base, the first USER found.
            var user = chain.Select(s => s.Instructions.Where(i => i.Instruction == "USER").Select(i => i.Arguments).LastOrDefault())
                .FirstOrDefault(u => u is not null);
            var uid = user?.Split(':')[0];
            if (uid is null || !long.TryParse(uid, out var number) || number == 0)
            {
                problems.Add($"{Path.GetFileName(path)} stage {stage.Name} runs as '{user ?? "root (no USER)"}', not a numeric non-root user.");
            }
            if (baseImage.Contains("/sdk", StringComparison.Ordinal) || baseImage.StartsWith("node", StringComparison.Ordinal))
            {
                problems.Add($"{Path.GetFileName(path)} stage {stage.Name} ships build tools ({baseImage}).");
            }
            if (!baseImage.Contains("chiseled", StringComparison.Ordinal) && !baseImage.Contains("alpine", StringComparison.Ordinal)
                && !baseImage.Contains("distroless", StringComparison.Ordinal))
            {
                problems.Add($"{Path.GetFileName(path)} stage {stage.Name} is based on {baseImage}, not a small (chiseled, distroless or alpine) image.");
            }
        }
        return problems;
    }
}
