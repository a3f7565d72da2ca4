using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace OraServ.StripeEmulator;

/// <summary>
/// The emulator's state: every object as the JSON Stripe would answer, the connected account that owns it (null for the
/// platform), the events, and the idempotency cache. One lock guards it all; the emulator is a test double, not a bank.
/// </summary>
public sealed class StripeStore(IOptions<EmulatorOptions> options, TimeProvider time, WebhookDispatcher webhooks)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Stored> _objects = [];
    private readonly List<JsonObject> _events = [];
    private readonly Dictionary<(string? Account, string Key), IdempotentResponse> _idempotency = [];
    private readonly EmulatorOptions _options = options.Value;

    private sealed record Stored(string? Account, JsonObject Json);

    public sealed record IdempotentResponse(string Request, int Status, string Body);

    /// <summary>pm_... test tokens Stripe documents, and whether a charge with them succeeds.</summary>
    private static readonly Dictionary<string, bool> TestPaymentMethods = new()
    {
        ["pm_card_visa"] = true,
        ["pm_card_mastercard"] = true,
        ["pm_card_visa_chargeDeclined"] = false,
        ["pm_card_chargeDeclined"] = false,
    };

    public static string NewId(string prefix) =>
        prefix + "_" + RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 24);

    private long Now => time.GetUtcNow().ToUnixTimeSeconds();

    public IdempotentResponse? Replay(string? account, string key)
    {
        lock (_gate)
        {
            return _idempotency.GetValueOrDefault((account, key));
        }
    }

    public void Remember(string? account, string key, IdempotentResponse response)
    {
        lock (_gate)
        {
            _idempotency.TryAdd((account, key), response);
        }
    }

    /// <summary>A Stripe-Account header must name a connected account of this platform.</summary>
    public void CheckAccess(string? account)
    {
        if (account is null)
        {
            return;
        }
        lock (_gate)
        {
            if (!_objects.TryGetValue(account, out var stored) || stored.Json["object"]?.GetValue<string>() != "account")
            {
                throw new StripeApiException(403, "invalid_request_error", "account_invalid",
                    $"The provided key does not have access to account '{account}' (or that account does not exist).");
            }
        }
    }

    // ---- accounts -------------------------------------------------------------------------------------------------

    public JsonObject CreateAccount(StripeForm form)
    {
        var dashboard = form["controller.stripe_dashboard.type"] ?? (form["type"] == "standard" ? "full" : "none");
        var account = new JsonObject
        {
            ["id"] = NewId("acct"),
            ["object"] = "account",
            ["business_profile"] = new JsonObject { ["name"] = form["business_profile.name"], ["url"] = form["business_profile.url"] },
            ["business_type"] = form["business_type"],
            ["capabilities"] = new JsonObject { ["card_payments"] = "inactive", ["transfers"] = "inactive" },
            ["charges_enabled"] = false,
            ["controller"] = new JsonObject
            {
                ["fees"] = new JsonObject { ["payer"] = form["controller.fees.payer"] ?? "account" },
                ["is_controller"] = true,
                ["losses"] = new JsonObject { ["payments"] = form["controller.losses.payments"] ?? "stripe" },
                ["requirement_collection"] = form["controller.requirement_collection"] ?? "stripe",
                ["stripe_dashboard"] = new JsonObject { ["type"] = dashboard },
                ["type"] = "application",
            },
            ["country"] = form["country"] ?? "US",
            ["created"] = Now,
            ["default_currency"] = form["default_currency"] ?? "usd",
            ["details_submitted"] = false,
            ["email"] = form["email"],
            ["livemode"] = false,
            ["metadata"] = new JsonObject(),
            ["payouts_enabled"] = false,
            ["requirements"] = Requirements(["business_profile.url", "external_account", "tos_acceptance.date"], "requirements.past_due"),
            ["type"] = dashboard switch { "full" => "standard", "express" => "express", _ => "custom" },
        };
        form.ApplyMetadata(account);
        lock (_gate)
        {
            _objects[account["id"]!.GetValue<string>()] = new Stored(null, account);
            return Snapshot(account);
        }
    }

    public JsonObject GetAccount(string? requester, string id)
    {
        lock (_gate)
        {
            // The platform reads any of its connected accounts; a connected account reads only itself.
            if (!_objects.TryGetValue(id, out var stored) || stored.Json["object"]!.GetValue<string>() != "account" || (requester is not null && requester != id))
            {
                throw StripeApiException.Missing("account", id, "account");
            }
            return Snapshot(stored.Json);
        }
    }

    public JsonObject CreateAccountLink(StripeForm form, string baseUrl)
    {
        var accountId = form.Required("account");
        var refreshUrl = form.Required("refresh_url");
        var returnUrl = form.Required("return_url");
        var type = form.Required("type");
        if (type is not ("account_onboarding" or "account_update"))
        {
            throw new StripeApiException(400, "invalid_request_error", "parameter_invalid_string", $"Invalid type: {type}", "type");
        }
        var linkId = NewId("link");
        var link = new JsonObject
        {
            ["id"] = linkId,
            ["object"] = "account_link",
            ["account"] = accountId,
            ["created"] = Now,
            ["expires_at"] = Now + (long)_options.AccountLinkLifetime.TotalSeconds,
            ["refresh_url"] = refreshUrl,
            ["return_url"] = returnUrl,
            ["used"] = false,
            ["url"] = $"{baseUrl.TrimEnd('/')}/onboarding/{linkId}",
        };
        lock (_gate)
        {
            GetAccount(null, accountId);
            _objects[linkId] = new Stored(null, link);
        }
        // Stripe's AccountLink has no id; the link's id lives only in its URL.
        return new JsonObject
        {
            ["object"] = "account_link",
            ["created"] = link["created"]!.DeepClone(),
            ["expires_at"] = link["expires_at"]!.DeepClone(),
            ["url"] = link["url"]!.DeepClone(),
        };
    }

    public sealed record OnboardingLink(string AccountId, string? BusinessName, string ReturnUrl, string RefreshUrl, bool Usable);

    public OnboardingLink? FindOnboardingLink(string linkId)
    {
        lock (_gate)
        {
            if (!_objects.TryGetValue(linkId, out var stored) || stored.Json["object"]!.GetValue<string>() != "account_link")
            {
                return null;
            }
            var link = stored.Json;
            var accountId = link["account"]!.GetValue<string>();
            var usable = !link["used"]!.GetValue<bool>() && link["expires_at"]!.AsLong() > Now;
            return new OnboardingLink(accountId, _objects[accountId].Json["business_profile"]?["name"]?.GetValue<string>(),
                link["return_url"]!.GetValue<string>(), link["refresh_url"]!.GetValue<string>(), usable);
        }
    }

    /// <summary>Completes onboarding through a link; a used or expired link sends the user to refresh_url instead.</summary>
    public string CompleteOnboarding(string linkId, string? businessName)
    {
        lock (_gate)
        {
            var link = FindOnboardingLink(linkId) ?? throw StripeApiException.Missing("account_link", linkId);
            if (!link.Usable)
            {
                return link.RefreshUrl;
            }
            _objects[linkId].Json["used"] = true;
            var account = _objects[link.AccountId].Json;
            var previous = Pick(account, "charges_enabled", "payouts_enabled", "details_submitted", "requirements", "capabilities");
            account["charges_enabled"] = true;
            account["payouts_enabled"] = true;
            account["details_submitted"] = true;
            account["capabilities"] = new JsonObject { ["card_payments"] = "active", ["transfers"] = "active" };
            account["requirements"] = Requirements([], null);
            if (!string.IsNullOrWhiteSpace(businessName))
            {
                account["business_profile"]!["name"] = businessName;
            }
            Emit("account.updated", link.AccountId, account, previous);
            return link.ReturnUrl;
        }
    }

    /// <summary>Test control: Stripe disables charges on an account (requirements past due).</summary>
    public JsonObject RestrictAccount(string accountId, string reason)
    {
        lock (_gate)
        {
            var account = GetStored(accountId, "account", null).Json;
            var previous = Pick(account, "charges_enabled", "payouts_enabled", "requirements");
            account["charges_enabled"] = false;
            account["payouts_enabled"] = false;
            account["requirements"] = Requirements(["external_account"], reason);
            Emit("account.updated", accountId, account, previous);
            return Snapshot(account);
        }
    }

    private static JsonObject Requirements(string[] due, string? disabledReason) => new()
    {
        ["alternatives"] = new JsonArray(),
        ["current_deadline"] = null,
        ["currently_due"] = new JsonArray(due.Select(d => (JsonNode)JsonValue.Create(d)!).ToArray()),
        ["disabled_reason"] = disabledReason,
        ["errors"] = new JsonArray(),
        ["eventually_due"] = new JsonArray(due.Select(d => (JsonNode)JsonValue.Create(d)!).ToArray()),
        ["past_due"] = new JsonArray(due.Select(d => (JsonNode)JsonValue.Create(d)!).ToArray()),
        ["pending_verification"] = new JsonArray(),
    };

    // ---- payment intents ------------------------------------------------------------------------------------------

    public JsonObject CreatePaymentIntent(string? account, StripeForm form)
    {
        var amount = form.Number("amount") ?? throw new StripeApiException(400, "invalid_request_error", "parameter_missing", "Missing required param: amount.", "amount");
        var currency = form.Required("currency").ToLowerInvariant();
        CheckAmount(amount);
        var id = NewId("pi");
        var intent = new JsonObject
        {
            ["id"] = id,
            ["object"] = "payment_intent",
            ["amount"] = amount,
            ["amount_capturable"] = 0,
            ["amount_received"] = 0,
            ["application_fee_amount"] = form.Number("application_fee_amount"),
            ["automatic_payment_methods"] = form.Bool("automatic_payment_methods.enabled") == true
                ? new JsonObject { ["allow_redirects"] = form["automatic_payment_methods.allow_redirects"] ?? "always", ["enabled"] = true }
                : null,
            ["canceled_at"] = null,
            ["cancellation_reason"] = null,
            ["capture_method"] = "automatic",
            ["client_secret"] = $"{id}_secret_{RandomNumberGenerator.GetHexString(24, lowercase: true)}",
            ["confirmation_method"] = "automatic",
            ["created"] = Now,
            ["currency"] = currency,
            ["customer"] = null,
            ["description"] = form["description"],
            ["last_payment_error"] = null,
            ["latest_charge"] = null,
            ["livemode"] = false,
            ["metadata"] = new JsonObject(),
            ["on_behalf_of"] = null,
            ["payment_method"] = null,
            ["payment_method_types"] = new JsonArray("card"),
            ["receipt_email"] = form["receipt_email"],
            ["statement_descriptor"] = form["statement_descriptor"],
            ["status"] = "requires_payment_method",
        };
        form.ApplyMetadata(intent);
        lock (_gate)
        {
            if (account is not null && _objects[account].Json["charges_enabled"]?.GetValue<bool>() != true)
            {
                throw new StripeApiException(400, "invalid_request_error", "account_invalid",
                    "Your account cannot currently make charges: finish onboarding first.");
            }
            _objects[id] = new Stored(account, intent);
            Emit("payment_intent.created", account, intent);
            if (form.Bool("confirm") == true)
            {
                return Confirm(account, id, form["payment_method"]);
            }
            return Snapshot(intent);
        }
    }

    public JsonObject GetPaymentIntent(string? account, string id, string? clientSecret = null)
    {
        lock (_gate)
        {
            var stored = clientSecret is null ? GetStored(id, "payment_intent", account) : FindByClientSecret(id, clientSecret);
            return Snapshot(stored.Json);
        }
    }

    /// <summary>The account that owns a payment intent, for the pay page (the client secret authorises it).</summary>
    public string? OwnerOf(string id, string clientSecret)
    {
        lock (_gate)
        {
            return FindByClientSecret(id, clientSecret).Account;
        }
    }

    private Stored FindByClientSecret(string id, string clientSecret)
    {
        if (_objects.TryGetValue(id, out var stored) && stored.Json["object"]!.GetValue<string>() == "payment_intent" &&
            CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.UTF8.GetBytes(stored.Json["client_secret"]!.GetValue<string>()),
                System.Text.Encoding.UTF8.GetBytes(clientSecret)))
        {
            return stored;
        }
        throw StripeApiException.Missing("payment_intent", id);
    }

    public JsonObject UpdatePaymentIntent(string? account, string id, StripeForm form)
    {
        lock (_gate)
        {
            var intent = GetStored(id, "payment_intent", account).Json;
            var status = intent["status"]!.GetValue<string>();
            if (status is "succeeded" or "canceled" or "processing")
            {
                throw UnexpectedState(intent, "update");
            }
            if (form.Number("amount") is { } amount)
            {
                CheckAmount(amount);
                intent["amount"] = amount;
            }
            if (form.Has("application_fee_amount"))
            {
                intent["application_fee_amount"] = form.Number("application_fee_amount");
            }
            if (form["description"] is { } description)
            {
                intent["description"] = description;
            }
            if (form["payment_method"] is { } paymentMethod)
            {
                intent["payment_method"] = paymentMethod;
                intent["status"] = "requires_confirmation";
            }
            form.ApplyMetadata(intent);
            return Snapshot(intent);
        }
    }

    public JsonObject ConfirmPaymentIntent(string? account, string id, StripeForm form)
    {
        lock (_gate)
        {
            return Confirm(account, id, form["payment_method"]);
        }
    }

    private JsonObject Confirm(string? account, string id, string? paymentMethod)
    {
        var intent = GetStored(id, "payment_intent", account).Json;
        var status = intent["status"]!.GetValue<string>();
        if (status is not ("requires_payment_method" or "requires_confirmation"))
        {
            throw UnexpectedState(intent, "confirm");
        }
        paymentMethod ??= intent["payment_method"]?.GetValue<string>()
            ?? throw new StripeApiException(400, "invalid_request_error", "payment_intent_unexpected_state",
                "You cannot confirm this PaymentIntent because it's missing a payment method.", "payment_method");
        if (!TestPaymentMethods.TryGetValue(paymentMethod, out var succeeds))
        {
            throw StripeApiException.Missing("payment_method", paymentMethod, "payment_method");
        }

        var charge = NewCharge(account, intent, paymentMethod, succeeds);
        intent["latest_charge"] = charge["id"]!.DeepClone();
        if (succeeds)
        {
            intent["payment_method"] = NewId("pm");
            intent["amount_received"] = intent["amount"]!.DeepClone();
            intent["last_payment_error"] = null;
            intent["status"] = "succeeded";
            Emit("charge.succeeded", account, charge);
            Emit("payment_intent.succeeded", account, intent);
            return Snapshot(intent);
        }

        var error = new JsonObject
        {
            ["type"] = "card_error",
            ["code"] = "card_declined",
            ["decline_code"] = "generic_decline",
            ["charge"] = charge["id"]!.DeepClone(),
            ["message"] = "Your card was declined.",
            ["param"] = null,
        };
        intent["payment_method"] = null;
        intent["last_payment_error"] = error;
        intent["status"] = "requires_payment_method";
        Emit("charge.failed", account, charge);
        Emit("payment_intent.payment_failed", account, intent);
        // Stripe answers a declined confirmation with 402 and the intent inside the error.
        throw new StripeApiException(402, "card_error", "card_declined", "Your card was declined.")
        {
            Extra = new JsonObject
            {
                ["decline_code"] = "generic_decline",
                ["charge"] = charge["id"]!.DeepClone(),
                ["payment_intent"] = Snapshot(intent),
            },
        };
    }

    private JsonObject NewCharge(string? account, JsonObject intent, string paymentMethod, bool succeeds)
    {
        var amount = intent["amount"]!.AsLong();
        var declined = paymentMethod.Contains("Declined", StringComparison.Ordinal);
        var charge = new JsonObject
        {
            ["id"] = NewId("ch"),
            ["object"] = "charge",
            ["amount"] = amount,
            ["amount_captured"] = succeeds ? amount : 0,
            ["amount_refunded"] = 0,
            ["application_fee_amount"] = intent["application_fee_amount"]?.DeepClone(),
            ["balance_transaction"] = succeeds ? NewId("txn") : null,
            ["billing_details"] = new JsonObject { ["address"] = null, ["email"] = null, ["name"] = null, ["phone"] = null },
            ["captured"] = succeeds,
            ["created"] = Now,
            ["currency"] = intent["currency"]!.DeepClone(),
            ["description"] = intent["description"]?.DeepClone(),
            ["disputed"] = false,
            ["failure_code"] = succeeds ? null : "card_declined",
            ["failure_message"] = succeeds ? null : "Your card was declined.",
            ["livemode"] = false,
            ["metadata"] = intent["metadata"]!.DeepClone(),
            ["outcome"] = new JsonObject
            {
                ["network_status"] = succeeds ? "approved_by_network" : "declined_by_network",
                ["reason"] = succeeds ? null : "generic_decline",
                ["risk_level"] = "normal",
                ["seller_message"] = succeeds ? "Payment complete." : "The bank did not return any further details with this decline.",
                ["type"] = succeeds ? "authorized" : "issuer_declined",
            },
            ["paid"] = succeeds,
            ["payment_intent"] = intent["id"]!.DeepClone(),
            ["payment_method"] = NewId("pm"),
            ["payment_method_details"] = new JsonObject
            {
                ["type"] = "card",
                ["card"] = new JsonObject
                {
                    ["brand"] = paymentMethod.Contains("mastercard", StringComparison.Ordinal) ? "mastercard" : "visa",
                    ["country"] = "US",
                    ["exp_month"] = 12,
                    ["exp_year"] = time.GetUtcNow().Year + 3,
                    ["funding"] = "credit",
                    ["last4"] = declined ? "0002" : "4242",
                },
            },
            ["refunded"] = false,
            ["status"] = succeeds ? "succeeded" : "failed",
        };
        _objects[charge["id"]!.GetValue<string>()] = new Stored(account, charge);
        return charge;
    }

    public JsonObject CancelPaymentIntent(string? account, string id, StripeForm form)
    {
        lock (_gate)
        {
            var intent = GetStored(id, "payment_intent", account).Json;
            if (intent["status"]!.GetValue<string>() is "succeeded" or "canceled")
            {
                throw UnexpectedState(intent, "cancel");
            }
            intent["status"] = "canceled";
            intent["canceled_at"] = Now;
            intent["cancellation_reason"] = form["cancellation_reason"] ?? "requested_by_customer";
            Emit("payment_intent.canceled", account, intent);
            return Snapshot(intent);
        }
    }

    private static StripeApiException UnexpectedState(JsonObject intent, string action) =>
        new(400, "invalid_request_error", "payment_intent_unexpected_state",
            $"You cannot {action} this PaymentIntent because it has a status of {intent["status"]}.")
        {
            Extra = new JsonObject { ["payment_intent"] = intent.DeepClone() },
        };

    private static void CheckAmount(long amount)
    {
        if (amount < 50)
        {
            throw new StripeApiException(400, "invalid_request_error", "amount_too_small", "Amount must be at least 50 in the currency's smallest unit.", "amount");
        }
    }

    // ---- charges, refunds, disputes -------------------------------------------------------------------------------

    public JsonObject GetCharge(string? account, string id)
    {
        lock (_gate)
        {
            return Snapshot(GetStored(id, "charge", account).Json);
        }
    }

    public JsonObject CreateRefund(string? account, StripeForm form)
    {
        lock (_gate)
        {
            JsonObject charge;
            if (form["payment_intent"] is { } intentId)
            {
                var intent = GetStored(intentId, "payment_intent", account, "payment_intent").Json;
                if (intent["status"]!.GetValue<string>() != "succeeded")
                {
                    throw new StripeApiException(400, "invalid_request_error", "charge_not_refundable",
                        $"This PaymentIntent ({intentId}) does not have a successful charge to refund.", "payment_intent");
                }
                charge = GetStored(intent["latest_charge"]!.GetValue<string>(), "charge", account).Json;
            }
            else
            {
                charge = GetStored(form.Required("charge"), "charge", account, "charge").Json;
            }
            var remaining = charge["amount_captured"]!.AsLong() - charge["amount_refunded"]!.AsLong();
            if (remaining <= 0)
            {
                throw new StripeApiException(400, "invalid_request_error", "charge_already_refunded",
                    $"Charge {charge["id"]} has already been refunded.");
            }
            var amount = form.Number("amount") ?? remaining;
            if (amount <= 0 || amount > remaining)
            {
                throw new StripeApiException(400, "invalid_request_error", "amount_too_large",
                    $"Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining})", "amount");
            }
            var refund = new JsonObject
            {
                ["id"] = NewId("re"),
                ["object"] = "refund",
                ["amount"] = amount,
                ["balance_transaction"] = NewId("txn"),
                ["charge"] = charge["id"]!.DeepClone(),
                ["created"] = Now,
                ["currency"] = charge["currency"]!.DeepClone(),
                ["metadata"] = new JsonObject(),
                ["payment_intent"] = charge["payment_intent"]!.DeepClone(),
                ["reason"] = form["reason"],
                ["receipt_number"] = null,
                ["status"] = "succeeded",
            };
            form.ApplyMetadata(refund);
            _objects[refund["id"]!.GetValue<string>()] = new Stored(account, refund);

            var previous = Pick(charge, "amount_refunded", "refunded");
            charge["amount_refunded"] = charge["amount_refunded"]!.AsLong() + amount;
            charge["refunded"] = charge["amount_refunded"]!.AsLong() == charge["amount_captured"]!.AsLong();
            Emit("refund.created", account, refund);
            Emit("charge.refunded", account, charge, previous);
            return Snapshot(refund);
        }
    }

    public JsonObject GetRefund(string? account, string id)
    {
        lock (_gate)
        {
            return Snapshot(GetStored(id, "refund", account).Json);
        }
    }

    public JsonObject ListRefunds(string? account, StripeForm form)
    {
        lock (_gate)
        {
            var refunds = Owned(account, "refund")
                .Where(r => form["charge"] is not { } charge || r["charge"]!.GetValue<string>() == charge)
                .Where(r => form["payment_intent"] is not { } intent || r["payment_intent"]!.GetValue<string>() == intent);
            return List("/v1/refunds", refunds, form);
        }
    }

    /// <summary>Test control: the cardholder disputes a charge.</summary>
    public JsonObject CreateDispute(string chargeId, string reason)
    {
        lock (_gate)
        {
            var stored = GetStored(chargeId, "charge", account: null, ignoreAccount: true);
            var charge = stored.Json;
            charge["disputed"] = true;
            var dispute = new JsonObject
            {
                ["id"] = NewId("du"),
                ["object"] = "dispute",
                ["amount"] = charge["amount"]!.DeepClone(),
                ["charge"] = charge["id"]!.DeepClone(),
                ["created"] = Now,
                ["currency"] = charge["currency"]!.DeepClone(),
                ["evidence_details"] = new JsonObject { ["due_by"] = Now + 7 * 86400, ["has_evidence"] = false, ["past_due"] = false, ["submission_count"] = 0 },
                ["is_charge_refundable"] = false,
                ["livemode"] = false,
                ["metadata"] = new JsonObject(),
                ["payment_intent"] = charge["payment_intent"]?.DeepClone(),
                ["reason"] = reason,
                ["status"] = "needs_response",
            };
            _objects[dispute["id"]!.GetValue<string>()] = new Stored(stored.Account, dispute);
            Emit("charge.dispute.created", stored.Account, dispute);
            return Snapshot(dispute);
        }
    }

    /// <summary>Test control: the card network decides a dispute (won, lost or warning_closed).</summary>
    public JsonObject CloseDispute(string disputeId, string status)
    {
        if (status is not ("won" or "lost" or "warning_closed"))
        {
            throw new StripeApiException(400, "invalid_request_error", "parameter_invalid_string",
                "Invalid status: must be one of won, lost or warning_closed.", "status");
        }
        lock (_gate)
        {
            var stored = GetStored(disputeId, "dispute", account: null, ignoreAccount: true);
            var dispute = stored.Json;
            var previous = Pick(dispute, "status");
            dispute["status"] = status;
            Emit("charge.dispute.closed", stored.Account, dispute, previous);
            return Snapshot(dispute);
        }
    }

    // ---- payment method domains -----------------------------------------------------------------------------------

    public JsonObject CreatePaymentMethodDomain(string? account, StripeForm form)
    {
        var domain = form.Required("domain_name").ToLowerInvariant();
        lock (_gate)
        {
            if (Owned(account, "payment_method_domain").FirstOrDefault(d => d["domain_name"]!.GetValue<string>() == domain) is { } existing)
            {
                return Snapshot(existing);
            }
            var status = new JsonObject { ["status"] = "active" };
            var created = new JsonObject
            {
                ["id"] = NewId("pmd"),
                ["object"] = "payment_method_domain",
                ["amazon_pay"] = status.DeepClone(),
                ["apple_pay"] = status.DeepClone(),
                ["created"] = Now,
                ["domain_name"] = domain,
                ["enabled"] = form.Bool("enabled") ?? true,
                ["google_pay"] = status.DeepClone(),
                ["klarna"] = status.DeepClone(),
                ["link"] = status.DeepClone(),
                ["livemode"] = false,
                ["paypal"] = status.DeepClone(),
            };
            _objects[created["id"]!.GetValue<string>()] = new Stored(account, created);
            return Snapshot(created);
        }
    }

    public JsonObject ListPaymentMethodDomains(string? account, StripeForm form)
    {
        lock (_gate)
        {
            var domains = Owned(account, "payment_method_domain")
                .Where(d => form["domain_name"] is not { } name || string.Equals(d["domain_name"]!.GetValue<string>(), name, StringComparison.OrdinalIgnoreCase));
            return List("/v1/payment_method_domains", domains, form);
        }
    }

    // ---- events ---------------------------------------------------------------------------------------------------

    public JsonObject GetEvent(string? account, string id)
    {
        lock (_gate)
        {
            return Snapshot(_events.FirstOrDefault(e => e["id"]!.GetValue<string>() == id && e["account"]?.GetValue<string>() == account)
                ?? throw StripeApiException.Missing("event", id));
        }
    }

    public JsonObject ListEvents(string? account, StripeForm form)
    {
        lock (_gate)
        {
            var events = Enumerable.Reverse(_events)
                .Where(e => e["account"]?.GetValue<string>() == account)
                .Where(e => form["type"] is not { } type || e["type"]!.GetValue<string>() == type);
            return List("/v1/events", events, form);
        }
    }

    /// <summary>Every event so far (platform and Connect), oldest first, for the control endpoints.</summary>
    public IReadOnlyList<JsonObject> AllEvents()
    {
        lock (_gate)
        {
            return _events.Select(Snapshot).ToList();
        }
    }

    /// <summary>Records an event for a change of <paramref name="data"/> and hands it to the webhook dispatcher. Call under the lock.</summary>
    private void Emit(string type, string? account, JsonObject data, JsonObject? previousAttributes = null)
    {
        var dataNode = new JsonObject { ["object"] = Snapshot(data) };
        if (previousAttributes is not null)
        {
            dataNode["previous_attributes"] = previousAttributes;
        }
        var evt = new JsonObject
        {
            ["id"] = NewId("evt"),
            ["object"] = "event",
            ["account"] = account,
            ["api_version"] = _options.ApiVersion,
            ["created"] = Now,
            ["data"] = dataNode,
            ["livemode"] = false,
            ["pending_webhooks"] = webhooks.EndpointCount,
            ["request"] = new JsonObject { ["id"] = NewId("req"), ["idempotency_key"] = null },
            ["type"] = type,
        };
        if (account is null)
        {
            evt.Remove("account");
        }
        _events.Add(evt);
        webhooks.Enqueue(Snapshot(evt));
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    private Stored GetStored(string id, string kind, string? account, string param = "id", bool ignoreAccount = false)
    {
        if (_objects.TryGetValue(id, out var stored) && stored.Json["object"]!.GetValue<string>() == kind && (ignoreAccount || stored.Account == account))
        {
            return stored;
        }
        throw StripeApiException.Missing(kind, id, param);
    }

    private IEnumerable<JsonObject> Owned(string? account, string kind) =>
        _objects.Values.Where(s => s.Account == account && s.Json["object"]!.GetValue<string>() == kind).Select(s => s.Json)
            .OrderByDescending(o => o["created"]!.AsLong());

    private static JsonObject List(string url, IEnumerable<JsonObject> items, StripeForm form)
    {
        var limit = (int)Math.Clamp(form.Number("limit") ?? 10, 1, 100);
        var all = items.ToList();
        return new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray(all.Take(limit).Select(i => (JsonNode)Snapshot(i)).ToArray()),
            ["has_more"] = all.Count > limit,
            ["url"] = url,
        };
    }

    private static JsonObject Pick(JsonObject source, params string[] keys)
    {
        var picked = new JsonObject();
        foreach (var key in keys)
        {
            picked[key] = source[key]?.DeepClone();
        }
        return picked;
    }

    private static JsonObject Snapshot(JsonObject source)
    {
        var copy = source.DeepClone().AsObject();
        copy.Remove("used");
        return copy;
    }
}
