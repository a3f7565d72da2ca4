namespace OraServ.Notifications.Delivery;

/// <summary>Sending failed for a reason that will not go away by trying again (address rejected, 5xx): recorded as failed.</summary>
public sealed class PermanentDeliveryException(string reason, Exception? inner = null) : Exception(reason, inner);

/// <summary>Sending failed for now (server down, 4xx, timeout): tried again with back-off.</summary>
public sealed class TransientDeliveryException(string reason, Exception? inner = null) : Exception(reason, inner);
