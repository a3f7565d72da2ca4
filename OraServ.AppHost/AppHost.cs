using System.Security.Cryptography;
using OraServ.AppHost;
using OraServ.Contracts;

var builder = DistributedApplication.CreateBuilder(args);
var infrastructure = Infrastructure.Add(builder);

builder.Configuration["Parameters:auth-signing-key"] ??= builder.Configuration["Auth:SigningKey"] ?? LocalSecret(builder, "auth-signing-key");
var signingKey = builder.AddParameter("auth-signing-key", secret: true);

IResourceBuilder<ProjectResource> Service<TProject>(string name, string databaseName) where TProject : IProjectMetadata, new()
{
    var database = infrastructure.Database(databaseName);
    var migrations = builder.AddProject<TProject>($"{name}-migrations", launchProfileName: null)
        .WithArgs(ResourceNames.MigrateArgument)
        .WithReference(database);
    foreach (var server in infrastructure.Servers)
    {
        migrations.WaitFor(server);
    }

    var service = builder.AddProject<TProject>(name)
        .WithReference(database)
        .WithReference(infrastructure.Messaging)
        .WithEnvironment("Auth__SigningKey", signingKey)
        .WaitForCompletion(migrations)
        .WithHttpHealthCheck("/health");
    foreach (var server in infrastructure.Servers)
    {
        service.WaitFor(server);
    }
    return service;
}

var jobs = Service<Projects.OraServ_Jobs>(ResourceNames.Jobs, ResourceNames.JobsDb);
var invoicing = Service<Projects.OraServ_Invoicing>(ResourceNames.Invoicing, ResourceNames.InvoicingDb)
    .WithReference(jobs);
var payments = Service<Projects.OraServ_Payments>(ResourceNames.Payments, ResourceNames.PaymentsDb)
    .WithReference(invoicing);
var notifications = Service<Projects.OraServ_Notifications>(ResourceNames.Notifications, ResourceNames.NotificationsDb)
    .WithReference(invoicing);
var automation = Service<Projects.OraServ_Automation>(ResourceNames.Automation, ResourceNames.AutomationDb)
    .WithReference(invoicing);

builder.AddProject<Projects.OraServ_Gateway>(ResourceNames.Gateway)
    .WithReference(jobs).WaitFor(jobs)
    .WithReference(invoicing).WaitFor(invoicing)
    .WithReference(payments).WaitFor(payments)
    .WithReference(notifications).WaitFor(notifications)
    .WithReference(automation).WaitFor(automation)
    .WithEnvironment("Auth__SigningKey", signingKey)
    .WithExternalHttpEndpoints()
    .WithHttpHealthCheck("/health");

builder.Build().Run();

// A secret made once per checkout and kept in the git-ignored data folder, so tokens survive a restart of the local run.
static string LocalSecret(IDistributedApplicationBuilder builder, string name)
{
    var folder = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, builder.Configuration["Infrastructure:DataDirectory"] ?? "../.data"));
    Directory.CreateDirectory(folder);
    var file = Path.Combine(folder, name);
    if (!File.Exists(file))
    {
        File.WriteAllText(file, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
    }
    return File.ReadAllText(file).Trim();
}
