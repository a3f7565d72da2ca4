using Microsoft.Extensions.Configuration;
using System.Security.Cryptography;
using OraServ.AppHost;
using OraServ.Contracts;

var builder = DistributedApplication.CreateBuilder(args);
var infrastructure = Infrastructure.Add(builder);
// The priority of work nobody waits on as it runs (Nice, below), and of the CPU share of the session it runs in (CpuShare).
const int BackgroundNice = 10;
const int BackgroundShareNice = 19;

builder.Configuration["Parameters:auth-signing-key"] ??= builder.Configuration["Auth:SigningKey"] ?? LocalSecret(builder, "auth-signing-key");
var signingKey = builder.AddParameter("auth-signing-key", secret: true);

// Stripe: live keys from configuration (Stripe:SecretKey, Stripe:PublishableKey, Stripe:WebhookSecret) talk to Stripe;
// without them the Stripe emulator stands in, signing and delivering webhooks to the gateway like Stripe does.
var liveStripe = !string.IsNullOrEmpty(builder.Configuration["Stripe:SecretKey"]);
builder.Configuration["Parameters:stripe-secret-key"] ??= builder.Configuration["Stripe:SecretKey"] ?? "sk_test_oraserv_local";
builder.Configuration["Parameters:stripe-webhook-secret"] ??= builder.Configuration["Stripe:WebhookSecret"] ?? "whsec_" + LocalSecret(builder, "stripe-webhook-secret");
var stripeSecretKey = builder.AddParameter("stripe-secret-key", secret: true);
var stripeWebhookSecret = builder.AddParameter("stripe-webhook-secret", secret: true);
var stripePublishableKey = builder.Configuration["Stripe:PublishableKey"] ?? "pk_test_oraserv_local";

IResourceBuilder<ProjectResource> Service<TProject>(string name, string databaseName) where TProject : IProjectMetadata, new()
{
    // The service applies its migrations before it starts listening (Migrate:OnStart), so it takes no traffic on an
    // old schema; one process per service instead of a migration step each keeps the local run's start-up short.
    var service = builder.AddProject<TProject>(name)
        .WithReference(infrastructure.Database(databaseName))
        .WithReference(infrastructure.Messaging)
        .WithEnvironment("Auth__SigningKey", signingKey)
        .WithEnvironment(ResourceNames.MigrateOnStartVariable, "true")
        .WithHttpHealthCheck("/health");
    InlineSocketCompletions(service);
    Telemetry(service);
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
    .WithReference(invoicing)
    .WithEnvironment("Stripe__SecretKey", stripeSecretKey)
    .WithEnvironment("Stripe__PublishableKey", stripePublishableKey)
    .WithEnvironment("Stripe__WebhookSecrets__0", stripeWebhookSecret)
    .WithEnvironment("Stripe__LiveMode", liveStripe && !stripePublishableKey.StartsWith("pk_test_", StringComparison.Ordinal) ? "true" : "false");
IResourceBuilder<ProjectResource>? emulator = null;
if (!liveStripe)
{
    emulator = builder.AddProject<Projects.OraServ_StripeEmulator>(ResourceNames.StripeEmulator)
        .WithEnvironment("Emulator__WebhookSecret", stripeWebhookSecret)
        .WithHttpHealthCheck("/_emulator/events");
    payments.WithEnvironment("Stripe__ApiBase", emulator.GetEndpoint("http")).WaitFor(emulator);
}
var notifications = Service<Projects.OraServ_Notifications>(ResourceNames.Notifications, ResourceNames.NotificationsDb)
    .WithReference(invoicing);
if (string.IsNullOrEmpty(builder.Configuration["Smtp:Host"]))
{
    // The local run's mail goes to smtp4dev (the .NET tool restored from .config/dotnet-tools.json): SMTP on
    // 127.0.0.1:2525, its web inbox and API on http://127.0.0.1:8025. Mail is kept in memory.
    var smtpPort = builder.Configuration.GetValue("Infrastructure:SmtpPort", 2525);
    var inboxPort = builder.Configuration.GetValue("Infrastructure:MailInboxPort", 8025);
    string[] smtp4dev = ["dotnet", "tool", "run", "smtp4dev", "--", $"--smtpport={smtpPort}", "--bindaddress=127.0.0.1",
        $"--urls=http://127.0.0.1:{inboxPort}", "--db=", "--imapport=", "--pop3port=", "--nousersettings"];
    // It stands in for a mail server on other machines, and takes what CPU the requests leave over (BackgroundNice).
    var nice = Nice(ResourceNames.MailCatcher, BackgroundNice);
    string[] command = nice == 0 || OperatingSystem.IsWindows() ? smtp4dev : ["nice", "-n", nice.ToString(System.Globalization.CultureInfo.InvariantCulture), .. smtp4dev];
    var mail = builder.AddExecutable(ResourceNames.MailCatcher, command[0], builder.AppHostDirectory, command[1..])
        .WithHttpEndpoint(port: inboxPort, targetPort: inboxPort, name: "inbox", isProxied: false)
        .WithHttpHealthCheck("/", endpointName: "inbox")
        // As the services (services/Directory.Build.props): with tiered PGO its JIT recompiled through every burst of
        // mail, a sixteenth of both cores while 50 invoices a second were sent (perf, 2026-12-05).
        .WithEnvironment("DOTNET_TieredPGO", "0")
        // As every project here (Directory.Build.props): idle thread-pool workers wait without spinning first.
        .WithEnvironment("DOTNET_ThreadPool_UnfairSemaphoreSpinLimit", "0");
    notifications
        .WithEnvironment("Smtp__Host", "127.0.0.1")
        .WithEnvironment("Smtp__Port", smtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture))
        .WaitFor(mail);
}
else
{
    foreach (var key in new[] { "Host", "Port", "UseTls", "User", "Password", "From" })
    {
        if (builder.Configuration[$"Smtp:{key}"] is { Length: > 0 } value)
        {
            notifications.WithEnvironment($"Smtp__{key}", value);
        }
    }
}
// SMS: Twilio when Twilio:AccountSid, AuthToken and From are configured; otherwise the recording sink, and a local auth
// token of its own, so that the inbound-reply webhook (STOP/START) can be tried with requests signed like Twilio's.
builder.Configuration["Parameters:twilio-auth-token"] ??= builder.Configuration["Twilio:AuthToken"] ?? LocalSecret(builder, "twilio-auth-token");
notifications.WithEnvironment("Twilio__AuthToken", builder.AddParameter("twilio-auth-token", secret: true));
foreach (var key in new[] { "AccountSid", "From" })
{
    if (builder.Configuration[$"Twilio:{key}"] is { Length: > 0 } value)
    {
        notifications.WithEnvironment($"Twilio__{key}", value);
    }
}
var automation = Service<Projects.OraServ_Automation>(ResourceNames.Automation, ResourceNames.AutomationDb)
    .WithReference(invoicing);
automation.WithEnvironment("OraServ__Nice", Nice(ResourceNames.Automation, BackgroundNice).ToString(System.Globalization.CultureInfo.InvariantCulture));
notifications.WithEnvironment("OraServ__Nice", Nice(ResourceNames.Notifications, 0).ToString(System.Globalization.CultureInfo.InvariantCulture));
// Jobs and Invoicing answer the dispatcher's clicks, Payments the customer's pay page and Stripe's webhooks;
// Notifications and Automation work off what those set off.
var backgroundShareNice = builder.Configuration.GetValue("OraServ:BackgroundCpuShareNice", BackgroundShareNice);
if (backgroundShareNice is < 0 or > 19)
{
    throw new InvalidOperationException($"OraServ:BackgroundCpuShareNice is {backgroundShareNice}; it is 0 (normal) to 19 (lowest).");
}
foreach (var service in new[] { jobs, invoicing, payments })
{
    CpuShare(service, answering: true);
}
foreach (var service in new[] { notifications, automation })
{
    CpuShare(service, answering: false);
}

// Scale-out: OraServ:ScaleOut=N runs N instances each of Invoicing, Payments and Automation, OraServ:Replicas:<name>=N
// sets one of them. The instances compete for their service's queues, claim outbox rows, Stripe events and due
// reminders with SKIP LOCKED, and migrate on start under EF's migration lock; Aspire's proxy spreads HTTP over them.
var scalable = new[] { invoicing, payments, automation }.ToDictionary(s => s.Resource.Name);
foreach (var name in builder.Configuration.GetSection("OraServ:Replicas").GetChildren().Select(c => c.Key).Where(k => !scalable.ContainsKey(k)))
{
    throw new InvalidOperationException($"OraServ:Replicas:{name}: only {string.Join(", ", scalable.Keys)} run as several instances.");
}
foreach (var (name, service) in scalable)
{
    var replicas = builder.Configuration.GetValue<int?>($"OraServ:Replicas:{name}") ?? builder.Configuration.GetValue("OraServ:ScaleOut", 1);
    if (replicas is < 1 or > 10)
    {
        throw new InvalidOperationException($"OraServ:Replicas:{name} is {replicas}; between 1 and 10 instances are supported.");
    }
    if (replicas > 1)
    {
        service.WithReplicas(replicas);
    }
    else
    {
        Unproxied(service);
    }
}
Unproxied(jobs);
Unproxied(notifications);

var gateway = builder.AddProject<Projects.OraServ_Gateway>(ResourceNames.Gateway)
    .WithReference(infrastructure.Database(ResourceNames.GatewayDb))
    .WithEnvironment(ResourceNames.MigrateOnStartVariable, "true")
    .WithReference(jobs).WaitFor(jobs)
    .WithReference(invoicing).WaitFor(invoicing)
    .WithReference(payments).WaitFor(payments)
    .WithReference(notifications).WaitFor(notifications)
    .WithReference(automation).WaitFor(automation)
    .WithEnvironment("Auth__SigningKey", signingKey)
    .WithExternalHttpEndpoints()
    .WithHttpHealthCheck("/health");
Unproxied(gateway);
CpuShare(gateway, answering: true);
Telemetry(gateway);
InlineSocketCompletions(gateway);
foreach (var server in infrastructure.Servers)
{
    gateway.WaitFor(server);
}

// Pay links, Stripe redirects and webhooks go to the gateway's public address: OraServ:PublicUrl in production and
// the local run, the gateway's own endpoint where none is set (the tests, on random ports).
var configuredUrl = builder.Configuration["OraServ:PublicUrl"];
var publicUrl = string.IsNullOrEmpty(configuredUrl)
    ? ReferenceExpression.Create($"{gateway.GetEndpoint("http")}")
    : ReferenceExpression.Create($"{configuredUrl}");
invoicing.WithEnvironment("Invoicing__PublicUrl", publicUrl);
payments.WithEnvironment("Payments__PublicBaseUrl", publicUrl);
emulator?.WithEnvironment("Emulator__WebhookUrl", ReferenceExpression.Create($"{publicUrl}/webhooks/stripe"));
if (!liveStripe)
{
    gateway.SeedWhenReady(builder.Configuration);
}
// The URL Twilio signs is the one set on the number in the Twilio console: the public one, unless configured otherwise.
notifications.WithEnvironment("Twilio__WebhookUrl", builder.Configuration["Twilio:WebhookUrl"] is { Length: > 0 } twilioWebhookUrl
    ? ReferenceExpression.Create($"{twilioWebhookUrl}")
    : ReferenceExpression.Create($"{publicUrl}/webhooks/twilio/sms"));

builder.Build().Run();

// OraServ:TraceSampleRatio (0 to 1) keeps that share of the traces in the dashboard instead of all of them, e.g. for the
// load driver's runs, where exporting every request's spans costs more CPU than some services do.
// OraServ:MetricExportInterval (milliseconds) replaces Aspire's 1 s between metric exports to the dashboard: each export
// of every instrument costs each service CPU, idle or not.
void Telemetry(IResourceBuilder<ProjectResource> project)
{
    if (builder.Configuration["OraServ:TraceSampleRatio"] is { Length: > 0 } ratio)
    {
        project.WithEnvironment("Telemetry__TraceSampleRatio", ratio);
    }
    if (builder.Configuration["OraServ:MetricExportInterval"] is { Length: > 0 } interval)
    {
        project.WithEnvironment("OTEL_METRIC_EXPORT_INTERVAL", interval);
    }
}

// CPU shares. Linux with autogroups shares the CPU fairly between sessions first and between the threads of a session
// second. Everything the app host starts is in one session, the orchestrator's (RabbitMQ, smtp4dev, the dashboard, the
// emulator, PostgreSQL's server), while each PostgreSQL backend leads a session of its own.
// - The services whose requests people wait on (the gateway, Jobs, Invoicing, Payments) each take a share of their own
//   (CpuPriority.OwnShare): in the one session a send waited for a core behind every other service's emails and
//   reminders. With 50 sends a second on 2 cores: send p50 18-37 -> 9-13 ms; the p99 did not move (70-132 -> 55-149 ms).
// - The others stay in the orchestrator's session, and set its share to nice BackgroundShareNice, their PostgreSQL
//   backends' too (OraServ:CpuShareNice): the follow-up work of a burst (the emails, the reminders, the messages between
//   the services) then lags through it instead of delaying the requests, and is worked off after. With 50 sends a
//   second: p99 30.7-44.2 ms in seven runs of eight (63.7 ms in one) and 36.7 ms over 3,000 sends, against 101-173 ms
//   with that share at normal priority (docs/benchmarks.md, 2026-12-07). Payments is not in it: it answers the pay
//   links in the emails, and in that share a browser test's customer opened one before Payments had taken in the
//   invoice, and found no pay page.
// OraServ:OwnCpuShare:<resource>=true|false moves a service from one kind to the other; OraServ:BackgroundCpuShareNice
// (0 normal to 19 lowest) sets the session's nice value.
void CpuShare(IResourceBuilder<ProjectResource> resource, bool answering)
{
    if (builder.Configuration.GetValue($"OraServ:OwnCpuShare:{resource.Resource.Name}", answering))
    {
        resource.WithEnvironment("OraServ__OwnCpuShare", "true");
    }
    else if (backgroundShareNice > 0)
    {
        resource.WithEnvironment("OraServ__CpuShareNice", backgroundShareNice.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}

// Reminders, the mail catcher and the PDFs attached to emails are work nobody waits on as it runs. On the machine the
// local run shares, they run below the requests a person waits on, at nice 10, and lag through a burst instead of
// delaying it. The PDFs are Invoicing's AttachmentRenderer; OraServ:Nice:<resource> (0 normal to 19 lowest) sets a
// resource's. These values order the threads inside a session (CpuShare, above, orders the sessions). Notifications stays
// at 0 inside the orchestrator's session: its dashboard pushes are watched as they happen, and at nice 10 there
// "webhook sent -> PAID on the dashboard" went from 1.1-2.3 s to 3.3 s at p99 under 100 webhooks a second.
// With 50 sends a second on 2 cores, send p50 went from 47-53 ms to 20-30 ms and p99 from 84-230 ms to 66-133 ms
// (docs/benchmarks.md, 2026-12-06). In the deployment these run in pods of their own instead.
int Nice(string resource, int normal)
{
    var nice = builder.Configuration.GetValue($"OraServ:Nice:{resource}", normal);
    return nice is >= 0 and <= 19 ? nice : throw new InvalidOperationException($"OraServ:Nice:{resource} is {nice}; it is 0 (normal) to 19 (lowest).");
}

// .NET hands every socket completion from its epoll thread to a thread-pool worker by default. Running the continuation
// on the epoll thread itself saves that hand-over, a context switch, for every read and write of a request, a query or a
// message: about 5 % of the CPU of an issued invoice over all processes on this project's benchmark machine
// (docs/benchmarks.md, 2026-12-06). It asks for code that never blocks a thread waiting on I/O, which is why the services
// and the gateway end with RunAsync, not Run. The deployment sets the same variable (deploy/k8s/base/config.yaml).
static void InlineSocketCompletions(IResourceBuilder<ProjectResource> project) =>
    project.WithEnvironment("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");

// A process that runs once listens on its own port instead of behind Aspire's proxy (dcp), which is there to spread
// requests over replicas: for one instance it only adds a hop per request, and under a burst of webhooks the proxy's
// forwarded connections piled up behind it until the local run went down.
static void Unproxied(IResourceBuilder<ProjectResource> project) => project.WithEndpoint("http", endpoint => endpoint.IsProxied = false);

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
