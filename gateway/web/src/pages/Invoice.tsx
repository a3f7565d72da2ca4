import { useEffect, useState, type FormEvent } from 'react';
import { automations, invoicing, notifications, payments, type Invoice, type Reminder, type Rule, type Terms } from '../api';
import { addDays, clientName, dateTime, day, longDay, moment, money, termsDays, termsLabels, todayIn } from '../format';
import { useInvoiceUpdates, useResync } from '../live';
import { Link, useRouter } from '../router';
import { useSession } from '../session';
import { Alert, Button, Card, Dialog, Empty, ErrorAlert, InvoiceChips, Loading, PageHeader, SelectField, StatusChip, TextField, useAction, useLoad } from '../components/ui';
import { channelLabels } from './Automations';
import { LinesTable } from './Jobs';

const manualMethods = [
  { value: 'cash', label: 'Cash' },
  { value: 'check', label: 'Check' },
  { value: 'bank_transfer', label: 'Bank transfer' },
  { value: 'other', label: 'Other' },
];

// Browsers without a built-in PDF viewer (most phones) get a download tile instead of an empty frame.
const canShowPdf = typeof navigator !== 'undefined' && navigator.pdfViewerEnabled !== false && window.matchMedia('(min-width: 720px)').matches;

/**
 * The invoice PDF in a frame. Invoicing answers the PDF as an attachment (a download), so the frame shows a blob of it
 * instead: a blob URL carries no Content-Disposition.
 */
function PdfPreview({ url, name }: { url: string; name: string }) {
  const [blobUrl, setBlobUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (!canShowPdf) return;
    let revoked = false;
    let created: string | null = null;
    fetch(url, { credentials: 'same-origin' })
      .then((response) => (response.ok ? response.blob() : Promise.reject(new Error(String(response.status)))))
      .then((blob) => {
        if (revoked) return;
        created = URL.createObjectURL(new Blob([blob], { type: 'application/pdf' }));
        setBlobUrl(created);
        setFailed(false);
      })
      .catch(() => !revoked && setFailed(true));
    return () => {
      revoked = true;
      if (created) URL.revokeObjectURL(created);
    };
  }, [url]);

  if (canShowPdf && !failed) {
    return blobUrl ? <iframe className="pdf-frame" title={`Preview of ${name}`} src={`${blobUrl}#view=FitH`} /> : <Loading label="Rendering PDF" />;
  }
  return (
    <a className="pdf-tile" href={url} download>
      <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
        <path fill="currentColor" d="M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8l-6-6zm-1 7V3.5L18.5 9H13zM8 13h8v2H8v-2zm0 4h5v2H8v-2z" />
      </svg>
      <span className="pdf-tile-name">{name}</span>
      <span className="muted small">{failed ? 'The preview could not load. Download the PDF instead.' : 'Download the PDF to view it.'}</span>
    </a>
  );
}

export function InvoicePage({ id }: { id: string }) {
  const { me } = useSession();
  const invoice = useLoad(() => invoicing.get(id), [id]);
  const [pdfVersion, setPdfVersion] = useState(0);
  const [messagesVersion, setMessagesVersion] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);

  useInvoiceUpdates((update) => {
    if (update.invoiceId === id) {
      invoice.reload();
      setPdfVersion((v) => v + 1);
      setMessagesVersion((v) => v + 1);
    }
  });
  useResync(() => {
    invoice.reload();
    setPdfVersion((v) => v + 1);
    setMessagesVersion((v) => v + 1);
  });

  if (invoice.loading && !invoice.data) return <Loading />;
  if (invoice.error || !invoice.data) return <ErrorAlert error={invoice.error} onRetry={invoice.reload} />;
  const i = invoice.data;
  const changed = (updated: Invoice) => {
    invoice.set(updated);
    setPdfVersion((v) => v + 1);
    setMessagesVersion((v) => v + 1);
  };

  return (
    <>
      <PageHeader
        back={
          <Link to="/invoices" className="back">
            ← Invoices
          </Link>
        }
        title={
          <>
            <span data-testid="invoice-number">{i.number ?? 'Draft invoice'}</span> <InvoiceChips invoice={i} className="chip-lg" />
          </>
        }
        subtitle={
          <>
            {clientName(i.client)}
            {i.jobTitle && (
              <>
                {' · '}
                {i.jobId ? <Link to={`/jobs/${i.jobId}`}>{i.jobTitle}</Link> : i.jobTitle}
              </>
            )}
          </>
        }
      />

      {notice && (
        <Alert tone="success" action={<Button variant="ghost" size="sm" onClick={() => setNotice(null)}>Dismiss</Button>}>
          {notice}
        </Alert>
      )}
      {i.disputed && (
        <Alert tone="warning" title={disputeTitle(i.disputeStatus)}>
          The customer disputed a card payment of this invoice{i.disputedAt && <> on {dateTime(i.disputedAt)}</>}. Respond with evidence in
          your Stripe dashboard; the invoice keeps its payments until Stripe decides.
        </Alert>
      )}
      <div className="invoice-layout">
        <div className="invoice-main">
          <Summary invoice={i} />
          {i.status === 'draft' && <SendPanel invoice={i} onSent={changed} />}
          {(i.status === 'open' || i.status === 'overdue') && <OpenActions invoice={i} onChanged={changed} />}
          {i.status === 'paid' && (
            <PaidActions
              invoice={i}
              onRefunded={(message) => {
                setNotice(message);
                invoice.reload();
              }}
            />
          )}

          <Card title="Lines">
            <LinesTable lines={i.lines} currency={i.currency} />
            <div className="totals">
              <div>
                <span>Subtotal</span>
                <span>{money(i.subtotal, i.currency)}</span>
              </div>
              <div>
                <span>Tax ({(i.taxRate * 100).toLocaleString(undefined, { maximumFractionDigits: 3 })}%)</span>
                <span>{money(i.tax, i.currency)}</span>
              </div>
              <div className="totals-strong">
                <span>Total</span>
                <strong>{money(i.total, i.currency)}</strong>
              </div>
              {i.amountPaid > 0 && (
                <div>
                  <span>Paid</span>
                  <span>−{money(i.amountPaid, i.currency)}</span>
                </div>
              )}
              <div className="totals-strong">
                <span>Amount due</span>
                <strong data-testid="amount-due">{money(i.amountDue, i.currency)}</strong>
              </div>
            </div>
          </Card>

          {i.payments.length > 0 && (
            <Card title="Payments">
              <ul className="list">
                {i.payments.map((p) => (
                  <li key={p.id} className="list-row">
                    <div className="list-main">
                      <span className="list-title">{manualMethods.find((m) => m.value === p.method)?.label ?? (p.method === 'card' ? 'Card (Stripe)' : p.method)}</span>
                      <span className="list-sub">
                        {dateTime(p.at)}
                        {p.reference ? ` · ${p.reference}` : ''}
                      </span>
                    </div>
                    <span className="amount">{money(p.amount, i.currency)}</span>
                  </li>
                ))}
              </ul>
            </Card>
          )}

          <DeliveryLog invoiceId={i.id} version={messagesVersion} issued={i.status !== 'draft'} />
          {i.status !== 'draft' && me?.role !== 'technician' && <Reminders invoiceId={i.id} version={messagesVersion} timeZone={me?.timeZone} />}
        </div>

        <aside className="invoice-side">
          <Card
            title="PDF"
            actions={
              <a className="btn btn-secondary btn-sm" href={`${invoicing.pdfUrl(i.id)}?v=${pdfVersion}`} download>
                Download PDF
              </a>
            }
          >
            <PdfPreview url={`${invoicing.pdfUrl(i.id)}?v=${pdfVersion}`} name={`${i.number ?? 'Draft'}.pdf`} />
          </Card>
        </aside>
      </div>
    </>
  );
}

function Summary({ invoice: i }: { invoice: Invoice }) {
  return (
    <section className="summary" aria-label="Summary">
      <div>
        <p className="figure-label">Total</p>
        <p className="summary-value">{money(i.total, i.currency)}</p>
      </div>
      <div>
        <p className="figure-label">Amount due</p>
        <p className="summary-value">{money(i.amountDue, i.currency)}</p>
      </div>
      <div>
        <p className="figure-label">Due date</p>
        <p className="summary-value">{i.dueDate ? day(i.dueDate) : 'Set when sent'}</p>
      </div>
      <div>
        <p className="figure-label">Terms</p>
        <p className="summary-value">{termsLabels[i.terms] ?? i.terms}</p>
      </div>
      {i.issuedAt && (
        <div>
          <p className="figure-label">Sent</p>
          <p className="summary-value">{dateTime(i.issuedAt)}</p>
        </div>
      )}
      {i.paidAt && (
        <div>
          <p className="figure-label">Paid</p>
          <p className="summary-value">{dateTime(i.paidAt)}</p>
        </div>
      )}
    </section>
  );
}

function SendPanel({ invoice, onSent }: { invoice: Invoice; onSent: (invoice: Invoice) => void }) {
  const { me } = useSession();
  const { navigate } = useRouter();
  const settings = useLoad(() => invoicing.settings(), []);
  // The user's choice, once made; until then the draft's terms or the business's default, whichever has loaded. Derived,
  // not copied into state by an effect: an effect still pending when the first click lands would put the default back.
  const [chosen, setChosen] = useState<Terms | 'date' | null>(null);
  const [date, setDate] = useState('');
  const action = useAction();
  const remove = useAction();
  const today = todayIn(me?.timeZone ?? 'UTC');
  const fromInvoice = invoice.terms in termsDays ? (invoice.terms as Terms) : undefined;
  const terms: Terms | 'date' = chosen ?? fromInvoice ?? settings.data?.defaultTerms ?? 'net_30';

  const dueDate = terms === 'date' ? date : addDays(today, termsDays[terms]);

  async function send(event: FormEvent) {
    event.preventDefault();
    const sent = await action.run(() => invoicing.send(invoice.id, terms === 'date' ? { dueDate: date } : { terms }));
    if (sent) onSent(sent);
  }

  const noEmail = !invoice.client.email;
  return (
    <Card title="Send invoice" className="card-accent">
      <form onSubmit={send} className="form">
        <fieldset className="terms">
          <legend>Payment terms</legend>
          <div className="terms-options">
            {(Object.keys(termsDays) as Terms[]).map((t) => (
              <label key={t} className="radio-pill">
                <input
                  type="radio"
                  name="terms"
                  value={t}
                  checked={terms === t}
                  onChange={() => setChosen(t)}
                />
                <span>{termsLabels[t]}</span>
              </label>
            ))}
            <label className="radio-pill">
              <input
                type="radio"
                name="terms"
                value="date"
                checked={terms === 'date'}
                onChange={() => setChosen('date')}
              />
              <span>On a date</span>
            </label>
          </div>
        </fieldset>
        {terms === 'date' && (
          <TextField label="Due date" type="date" min={today} value={date} onChange={(e) => setDate(e.target.value)} error={action.error?.field('dueDate')} required />
        )}
        <p className="due-preview" data-testid="due-preview" aria-live="polite">
          {dueDate ? (
            <>
              Due <strong>{longDay(dueDate)}</strong>
              {terms === 'due_on_receipt' && ' (on receipt)'}
            </>
          ) : (
            'Pick a due date.'
          )}
        </p>
        <p className="muted small">
          {noEmail
            ? 'This client has no email address: the invoice gets its number and pay link, and you share the link yourself.'
            : `Emails ${invoice.client.email} the invoice PDF with a Pay Now button.`}
        </p>
        {action.error && <Alert tone="error">{action.error.summary}</Alert>}
        {remove.error && <Alert tone="error">{remove.error.summary}</Alert>}
        <div className="form-actions">
          <Button
            variant="ghost"
            busy={remove.busy}
            onClick={async () => {
              if (!window.confirm('Delete this draft? The job can be invoiced again.')) return;
              const deleted = await remove.run(async () => {
                await invoicing.remove(invoice.id);
                return true;
              });
              if (deleted) navigate('/invoices');
            }}
          >
            Delete draft
          </Button>
          <Button type="submit" size="lg" busy={action.busy} disabled={!dueDate}>
            Send invoice
          </Button>
        </div>
      </form>
    </Card>
  );
}

function OpenActions({ invoice, onChanged }: { invoice: Invoice; onChanged: (invoice: Invoice) => void }) {
  const [paying, setPaying] = useState(false);
  const [voiding, setVoiding] = useState(false);
  const [copied, setCopied] = useState(false);
  const voidAction = useAction();
  const resend = useAction();
  const [resent, setResent] = useState(false);

  return (
    <Card title="Get paid" className="card-accent">
      {invoice.payUrl && (
        <div className="paylink">
          <label htmlFor="pay-url" className="figure-label">
            Pay link
          </label>
          <div className="paylink-row">
            <input id="pay-url" readOnly value={invoice.payUrl} onFocus={(e) => e.target.select()} data-testid="pay-url" />
            <Button
              variant="secondary"
              onClick={async () => {
                await navigator.clipboard?.writeText(invoice.payUrl!).catch(() => {});
                setCopied(true);
                window.setTimeout(() => setCopied(false), 2000);
              }}
            >
              {copied ? 'Copied' : 'Copy'}
            </Button>
            <a className="btn btn-secondary" href={invoice.payUrl} target="_blank" rel="noopener">
              Open
            </a>
          </div>
        </div>
      )}
      {resent && <Alert tone="success">The invoice is on its way to {invoice.client.email} again.</Alert>}
      {resend.error && <Alert tone="error">{resend.error.summary}</Alert>}
      {voidAction.error && <Alert tone="error">{voidAction.error.summary}</Alert>}
      <div className="form-actions form-actions-start">
        <Button onClick={() => setPaying(true)}>Record payment</Button>
        {invoice.client.email && (
          <Button
            variant="secondary"
            busy={resend.busy}
            onClick={async () => {
              if (await resend.run(() => notifications.resend(invoice.id))) setResent(true);
            }}
          >
            Email again
          </Button>
        )}
        <Button variant="danger" onClick={() => setVoiding(true)}>
          Void
        </Button>
      </div>

      <Dialog open={paying} title="Record a payment" onClose={() => setPaying(false)}>
        <ManualPaymentForm
          invoice={invoice}
          onDone={(updated) => {
            setPaying(false);
            onChanged(updated);
          }}
          onCancel={() => setPaying(false)}
        />
      </Dialog>
      <Dialog open={voiding} title={`Void ${invoice.number}?`} onClose={() => setVoiding(false)}>
        <p>The customer can no longer pay it, and its pay link shows it as void. The number stays used, so numbering keeps no gaps. This cannot be undone.</p>
        <div className="dialog-actions">
          <Button variant="ghost" onClick={() => setVoiding(false)}>
            Keep it
          </Button>
          <Button
            variant="danger"
            busy={voidAction.busy}
            onClick={async () => {
              const updated = await voidAction.run(() => invoicing.void(invoice.id));
              setVoiding(false);
              if (updated) onChanged(updated);
            }}
          >
            Void invoice
          </Button>
        </div>
      </Dialog>
    </Card>
  );
}

function ManualPaymentForm({ invoice, onDone, onCancel }: { invoice: Invoice; onDone: (invoice: Invoice) => void; onCancel: () => void }) {
  const [amount, setAmount] = useState(String(invoice.amountDue));
  const [method, setMethod] = useState('check');
  const [reference, setReference] = useState('');
  const action = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const updated = await action.run(() => invoicing.recordPayment(invoice.id, { amount: Number(amount), method, reference: reference.trim() || undefined }));
    if (updated) onDone(updated);
  }

  return (
    <form onSubmit={submit} className="form">
      <TextField
        label={`Amount (${invoice.currency})`}
        type="number"
        inputMode="decimal"
        step="0.01"
        min="0.01"
        max={invoice.amountDue}
        value={amount}
        onChange={(e) => setAmount(e.target.value)}
        hint={`Up to ${money(invoice.amountDue, invoice.currency)}.`}
        error={action.error?.field('amount')}
      />
      <SelectField label="Method" value={method} onChange={(e) => setMethod(e.target.value)} error={action.error?.field('method')}>
        {manualMethods.map((m) => (
          <option key={m.value} value={m.value}>
            {m.label}
          </option>
        ))}
      </SelectField>
      <TextField label="Reference (optional)" placeholder="e.g. check number" value={reference} onChange={(e) => setReference(e.target.value)} error={action.error?.field('reference')} />
      {action.error && !Object.keys(action.error.fieldErrors).length && <Alert tone="error">{action.error.summary}</Alert>}
      <div className="dialog-actions">
        <Button variant="ghost" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" busy={action.busy}>
          Record payment
        </Button>
      </div>
    </form>
  );
}

function PaidActions({ invoice, onRefunded }: { invoice: Invoice; onRefunded: (message: string) => void }) {
  const [open, setOpen] = useState(false);
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('requested_by_customer');
  const action = useAction();
  const manual = new Set(manualMethods.map((m) => m.value));
  const card = invoice.payments.filter((p) => !manual.has(p.method));
  if (card.length === 0) {
    return (
      <Alert tone="success" title="Paid in full">
        Paid {invoice.paidAt ? dateTime(invoice.paidAt) : ''}.
      </Alert>
    );
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const refund = await action.run(() => payments.refund(invoice.id, { amount: amount ? Number(amount) : undefined, reason }));
    if (refund) {
      setOpen(false);
      onRefunded(`Refund of ${money(refund.amount, invoice.currency)} requested; the invoice reopens when Stripe confirms it.`);
    }
  }

  return (
    <Card title="Paid in full" className="card-success">
      <p>Paid {invoice.paidAt ? dateTime(invoice.paidAt) : ''} by card through Stripe.</p>
      <div className="form-actions form-actions-start">
        <Button variant="secondary" onClick={() => setOpen(true)}>
          Refund
        </Button>
      </div>
      <Dialog open={open} title="Refund the card payment" onClose={() => setOpen(false)}>
        <form onSubmit={submit} className="form">
          <TextField
            label={`Amount (${invoice.currency})`}
            type="number"
            step="0.01"
            min="0.01"
            placeholder="Leave empty to refund in full"
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            error={action.error?.field('amount')}
          />
          <SelectField label="Reason" value={reason} onChange={(e) => setReason(e.target.value)}>
            <option value="requested_by_customer">Requested by customer</option>
            <option value="duplicate">Duplicate</option>
            <option value="fraudulent">Fraudulent</option>
          </SelectField>
          {action.error && !action.error.field('amount') && <Alert tone="error">{action.error.summary}</Alert>}
          <div className="dialog-actions">
            <Button variant="ghost" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button type="submit" variant="danger" busy={action.busy}>
              Refund
            </Button>
          </div>
        </form>
      </Dialog>
    </Card>
  );
}

function DeliveryLog({ invoiceId, version, issued }: { invoiceId: string; version: number; issued: boolean }) {
  const messages = useLoad(() => notifications.messages(invoiceId), [invoiceId, version]);
  const [polls, setPolls] = useState(0);
  const settled = messages.data?.every((m) => ['sent', 'delivered', 'failed'].includes(m.status)) ?? true;
  useEffect(() => setPolls(0), [invoiceId, version]);
  useEffect(() => {
    // Emails go out a moment after an invoice is sent: look again a few times while any is still queued.
    if (!issued || messages.loading || (settled && (messages.data?.length ?? 0) > 0) || polls >= 8) return;
    const timer = window.setTimeout(() => {
      setPolls((p) => p + 1);
      messages.reload();
    }, 3000);
    return () => window.clearTimeout(timer);
  }, [messages, settled, polls]);
  return (
    <Card title="Delivery log" actions={<Button variant="ghost" size="sm" onClick={messages.reload}>Refresh</Button>}>
      {messages.loading && !messages.data && <Loading />}
      {messages.error ? <ErrorAlert error={messages.error} onRetry={messages.reload} /> : null}
      {messages.data && messages.data.length === 0 && <Empty title="Nothing sent yet">Emails and text messages about this invoice show here.</Empty>}
      {messages.data && messages.data.length > 0 && (
        <ul className="list" data-testid="delivery-log">
          {messages.data.map((m) => (
            <li key={m.id} className="list-row">
              <div className="list-main">
                <span className="list-title">
                  {m.channel === 'email' ? 'Email' : 'SMS'} to {m.to}
                </span>
                <span className="list-sub">
                  {m.subject ?? m.body?.slice(0, 80)}
                  {m.failureReason ? ` · ${m.failureReason}` : ''}
                </span>
              </div>
              <div className="list-end">
                <span className="muted small">{dateTime(m.sentAt ?? m.createdAt)}</span>
                <StatusChip status={m.status} />
              </div>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

const reminderStatus: Record<Reminder['status'], string> = { pending: 'Scheduled', sent: 'Sent', skipped: 'Skipped', cancelled: 'Cancelled' };

/** Why the Automation service skipped, cancelled or moved a reminder (ReminderScheduler, ReminderPlanner and its consumers). */
const reasonWords: Record<string, string> = {
  invoice_paid: 'the invoice was paid',
  invoice_void: 'the invoice was voided',
  invoice_disputed: 'a card payment of the invoice was disputed',
  nothing_due: 'nothing was left to pay',
  rule_disabled: 'the rule was switched off',
  rule_deleted: 'the rule was deleted',
  do_not_remind: 'the client is set to get no automatic reminders',
  no_phone: 'the client has no mobile number',
  no_email: 'the client has no email address',
  invoice_unknown: 'automations had not yet heard that the invoice was sent',
  template_error: "the message could not be written from the rule's text",
  quiet_hours: 'moved to the end of quiet hours (no text messages at night)',
};

const reasonText = (reason: string) => reasonWords[reason] ?? reason.replace(/_/g, ' ');

/** The invoice's automation schedule: one row per rule, due, sent, skipped or cancelled. */
function Reminders({ invoiceId, version, timeZone }: { invoiceId: string; version: number; timeZone?: string }) {
  const schedule = useLoad(async () => {
    const [reminders, rules] = await Promise.all([automations.reminders(invoiceId), automations.list()]);
    return { reminders: [...reminders].sort((a, b) => a.dueAt.localeCompare(b.dueAt)), rules: new Map(rules.map((r) => [r.id, r])) };
  }, [invoiceId, version]);
  const readerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const data = schedule.data;
  return (
    <Card
      title="Reminders"
      actions={
        <Button variant="ghost" size="sm" onClick={schedule.reload} busy={schedule.loading && !!data} aria-label="Refresh reminders">
          Refresh
        </Button>
      }
    >
      {schedule.loading && !data && <Loading label="Loading reminders" />}
      {schedule.error ? <ErrorAlert error={schedule.error} onRetry={schedule.reload} /> : null}
      {data && data.reminders.length === 0 && (
        <Empty
          title="No reminder is scheduled"
          action={
            <Link className="btn btn-secondary btn-sm" to="/automations">
              Set up automations
            </Link>
          }
        >
          Each automation that is switched on plans its reminder when an invoice is sent. Just sent? Automations take a few seconds to catch up: press Refresh.
        </Empty>
      )}
      {data && data.reminders.length > 0 && (
        <>
          <ul className="list" aria-label="Reminder schedule">
            {data.reminders.map((r) => (
              <ReminderRow key={r.ruleId} reminder={r} rule={data.rules.get(r.ruleId)} timeZone={timeZone} />
            ))}
          </ul>
          {timeZone && timeZone !== readerZone && <p className="muted small reminders-zone">Times are in the business's time zone, {timeZone.replace(/_/g, ' ')}.</p>}
        </>
      )}
    </Card>
  );
}

function ReminderRow({ reminder: r, rule, timeZone }: { reminder: Reminder; rule?: Rule; timeZone?: string }) {
  const channel = rule ? (channelLabels[rule.action.channel] ?? rule.action.channel) : null;
  let outcome: string | null = null;
  if (r.status === 'sent') outcome = `Sent ${moment(r.sentAt ?? r.dueAt, timeZone)}`;
  else if (r.status === 'skipped' || r.status === 'cancelled') outcome = `${reminderStatus[r.status]}: ${r.reason ? reasonText(r.reason) : 'no reason given'}.`;
  else if (r.reason) outcome = `Scheduled, ${reasonText(r.reason)}.`;
  return (
    <li className="list-row" data-testid="reminder" data-rule-id={r.ruleId} data-status={r.status}>
      <div className="list-main">
        <span className="list-title">{rule?.name ?? 'A deleted rule'}</span>
        <span className="list-sub">
          {channel && <>{channel} · </>}
          {r.status === 'pending' ? 'Due' : 'Was due'} <time dateTime={r.dueAt}>{moment(r.dueAt, timeZone)}</time>
        </span>
        {outcome && <span className="list-sub">{outcome}</span>}
      </div>
      <div className="list-end">
        <span className={`chip chip-${r.status === 'pending' ? 'scheduled' : r.status}`} data-status={r.status}>
          {reminderStatus[r.status] ?? r.status}
        </span>
      </div>
    </li>
  );
}

function disputeTitle(status: string | null): string {
  if (status === 'won') return 'Chargeback won';
  if (status === 'lost') return 'Chargeback lost';
  return 'Chargeback: payment disputed';
}
