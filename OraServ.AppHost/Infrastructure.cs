using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OraServ.Contracts;

namespace OraServ.AppHost;

/// <summary>PostgreSQL and RabbitMQ: Aspire's containers where a container runtime answers, local server processes where none does.</summary>
public sealed class Infrastructure
{
    private readonly IDistributedApplicationBuilder _builder;
    private readonly Func<string, IResourceBuilder<IResourceWithConnectionString>> _database;

    public IResourceBuilder<IResourceWithConnectionString> Messaging { get; }

    /// <summary>The resources a service must wait for before it starts (servers up and answering).</summary>
    public IReadOnlyList<IResourceBuilder<IResource>> Servers { get; }

    public bool UsesContainers { get; }

    private Infrastructure(IDistributedApplicationBuilder builder, bool containers)
    {
        _builder = builder;
        UsesContainers = containers;
        var settings = builder.Configuration.GetSection("Infrastructure");
        if (containers)
        {
            var postgres = builder.AddPostgres(ResourceNames.Postgres).WithDataVolume();
            var rabbit = builder.AddRabbitMQ(ResourceNames.Messaging).WithDataVolume();
            Messaging = rabbit;
            _database = name => postgres.AddDatabase(name);
            Servers = [postgres, rabbit];
            return;
        }

        var data = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, settings["DataDirectory"] ?? "../.data"));
        var scripts = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", "deploy", "local"));
        // Fixed ports below Linux's ephemeral range (32768-60999): a port in it can be held for a moment as some client
        // connection's own source port, and a server that fails to bind is not started again.
        var pgPort = settings.GetValue("PostgresPort", 27432);
        var amqpPort = settings.GetValue("RabbitMqPort", 27672);
        Directory.CreateDirectory(data);

        var pg = builder.AddExecutable(ResourceNames.Postgres, "bash", scripts, "postgres.sh", Path.Combine(data, "postgres"), pgPort.ToString())
            .WithHealthCheck(TcpCheck(builder, ResourceNames.Postgres, pgPort));
        var mq = builder.AddExecutable("rabbitmq", "bash", scripts, "rabbitmq.sh", Path.Combine(data, "rabbitmq"), amqpPort.ToString())
            .WithHealthCheck(TcpCheck(builder, "rabbitmq", amqpPort));

        builder.Configuration[$"ConnectionStrings:{ResourceNames.Messaging}"] = $"amqp://guest:guest@127.0.0.1:{amqpPort}/";
        Messaging = builder.AddConnectionString(ResourceNames.Messaging);
        _database = name =>
        {
            builder.Configuration[$"ConnectionStrings:{name}"] =
                $"Host=127.0.0.1;Port={pgPort};Username=oraserv;Database={name};Maximum Pool Size=50";
            return builder.AddConnectionString(name);
        };
        Servers = [pg, mq];
    }

    public static Infrastructure Add(IDistributedApplicationBuilder builder)
    {
        var mode = builder.Configuration["Infrastructure:Mode"] ?? "auto";
        var containers = mode switch
        {
            "containers" => true,
            "local" => false,
            _ => ContainerRuntimeAnswers(),
        };
        return new Infrastructure(builder, containers);
    }

    public IResourceBuilder<IResourceWithConnectionString> Database(string name) => _database(name);

    private static string TcpCheck(IDistributedApplicationBuilder builder, string name, int port)
    {
        var key = $"{name}-tcp";
        builder.Services.AddHealthChecks().AddAsyncCheck(key, async ct =>
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port, ct);
                return HealthCheckResult.Healthy();
            }
            catch (SocketException ex)
            {
                return HealthCheckResult.Unhealthy($"127.0.0.1:{port} does not answer", ex);
            }
        });
        return key;
    }

    private static bool ContainerRuntimeAnswers()
    {
        foreach (var runtime in new[] { "docker", "podman" })
        {
            try
            {
                using var process = Process.Start(new ProcessStartInfo(runtime, "info")
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                });
                if (process is null)
                {
                    continue;
                }
                if (process.WaitForExit(TimeSpan.FromSeconds(5)) && process.ExitCode == 0)
                {
                    return true;
                }
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // not installed
            }
        }
        return false;
    }
}
