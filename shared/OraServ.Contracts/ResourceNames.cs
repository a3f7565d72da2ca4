namespace OraServ.Contracts;

/// <summary>Aspire resource names, shared by the app host, the services and the tests.</summary>
public static class ResourceNames
{
    /// <summary>The PostgreSQL server.</summary>
    public const string Postgres = "postgres";
    /// <summary>The RabbitMQ broker (connection string name).</summary>
    public const string Messaging = "messaging";
    /// <summary>Jobs service.</summary>
    public const string Jobs = "jobs";
    /// <summary>Invoicing service.</summary>
    public const string Invoicing = "invoicing";
    /// <summary>Payments service.</summary>
    public const string Payments = "payments";
    /// <summary>Notifications service.</summary>
    public const string Notifications = "notifications";
    /// <summary>Automation service.</summary>
    public const string Automation = "automation";
    /// <summary>The Stripe emulator of the local run and the tests.</summary>
    public const string StripeEmulator = "stripe-emulator";
    /// <summary>The SMTP catcher of the local run (smtp4dev).</summary>
    public const string MailCatcher = "smtp4dev";
    /// <summary>The public gateway.</summary>
    public const string Gateway = "gateway";
    /// <summary>Gateway database (tenants, users).</summary>
    public const string GatewayDb = "gatewaydb";
    /// <summary>Jobs database.</summary>
    public const string JobsDb = "jobsdb";
    /// <summary>Invoicing database.</summary>
    public const string InvoicingDb = "invoicingdb";
    /// <summary>Payments database.</summary>
    public const string PaymentsDb = "paymentsdb";
    /// <summary>Notifications database.</summary>
    public const string NotificationsDb = "notificationsdb";
    /// <summary>Automation database.</summary>
    public const string AutomationDb = "automationdb";

    /// <summary>The argument that makes a service apply its migrations and exit.</summary>
    public const string MigrateArgument = "--Migrate:Only=true";
    /// <summary>Set to true, a service applies its migrations before it takes traffic (the local run).</summary>
    public const string MigrateOnStartVariable = "Migrate__OnStart";
}
