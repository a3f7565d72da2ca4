import { useRef, useState, type FormEvent } from 'react';
import { automations, invoicing, type Channel, type Invoice, type Rule, type RuleInput, type RulePreview, type TriggerEvent } from '../api';
import { clientName, day, money } from '../format';
import { Link, useRouter } from '../router';
import { useSession } from '../session';
import { Alert, Button, Card, Dialog, Empty, ErrorAlert, Field, Loading, PageHeader, SelectField, TextField, useAction, useLoad, useSavedSwitch } from '../components/ui';

const triggers: { value: TriggerEvent; label: string }[] = [
  { value: 'invoice.overdue', label: 'After the due date (overdue)' },
  { value: 'invoice.due_in', label: 'Before the due date' },
  { value: 'invoice.issued', label: 'After the invoice is sent' },
  { value: 'payment.failed', label: 'After a card payment fails' },
];

export const channelLabels: Record<Channel, string> = { sms: 'SMS', email: 'Email' };
const channelWords: Record<Channel, string> = { sms: 'SMS', email: 'email' };

/** What a template can use (the Automation service's ReminderTemplates.Variables). */
const variables = [
  'client.firstName',
  'client.lastName',
  'invoice.number',
  'invoice.amountDue',
  'invoice.dueDate',
  'invoice.daysOverdue',
  'invoice.link',
  'business.name',
];

/** The Automation service's limits: an SMS body, an email body. */
const maxLength: Record<Channel, number> = { sms: 1000, email: 10000 };

const daysText = (days: number) => `${days} day${days === 1 ? '' : 's'}`;

/** A trigger in words: "5 days after the due date", "when issued". */
export function triggerWords(event: string, days: number): string {
  switch (event) {
    case 'invoice.overdue':
      return days === 0 ? 'on the due date' : `${daysText(days)} after the due date`;
    case 'invoice.due_in':
      return days === 0 ? 'on the due date' : `${daysText(days)} before the due date`;
    case 'invoice.issued':
      return days === 0 ? 'when issued' : `${daysText(days)} after issue`;
    case 'payment.failed':
      return days === 0 ? 'after a failed payment' : `${daysText(days)} after a failed payment`;
    default:
      return `${event}, ${daysText(days)}`;
  }
}

/** A saved rule as the API takes it back (a PUT replaces the whole rule). */
function inputOf(rule: Rule): RuleInput {
  return {
    name: rule.name,
    trigger: rule.trigger,
    action: { channel: rule.action.channel, template: rule.action.template, subject: rule.action.subject ?? undefined },
    enabled: rule.enabled,
  };
}

export function AutomationsPage() {
  const { me } = useSession();
  const { search } = useRouter();
  const list = useLoad(() => (me?.role === 'technician' ? Promise.resolve([]) : automations.list()), [me?.role]);
  const [previewing, setPreviewing] = useState<Rule | null>(null);
  const [deleting, setDeleting] = useState<Rule | null>(null);
  const remove = useAction();
  const saved = search.get('saved');

  if (me?.role === 'technician') return <Alert tone="info">Automations are managed by the owner and dispatchers.</Alert>;

  async function confirmDelete() {
    if (!deleting) return;
    const id = deleting.id;
    const done = await remove.run(async () => {
      await automations.remove(id);
      return true;
    });
    if (done) {
      list.set((list.data ?? []).filter((r) => r.id !== id));
      setDeleting(null);
    }
  }

  const newRule = (
    <Link className="btn btn-primary" to="/automations/new">
      New rule
    </Link>
  );
  const savedRule = list.data?.find((r) => r.id === saved);

  return (
    <>
      <PageHeader title="Automations" subtitle="Reminders that chase unpaid invoices by SMS or email, on their own." actions={newRule} />
      {savedRule && <Alert tone="success">Saved “{savedRule.name}”.</Alert>}
      <Card>
        {list.loading && !list.data && <Loading />}
        {list.error ? <ErrorAlert error={list.error} onRetry={list.reload} /> : null}
        {list.data && list.data.length === 0 && (
          <Empty title="No automations yet" action={newRule}>
            An automation sends a reminder for you on a schedule you choose, such as 3 days before an invoice is due or 5 days after, by SMS or email, with the
            client's name and a link to pay. It stops once the invoice is paid.
          </Empty>
        )}
        {list.data && list.data.length > 0 && (
          <ul className="list" aria-label="Automation rules">
            {list.data.map((rule) => (
              <RuleRow
                key={rule.id}
                rule={rule}
                highlight={rule.id === saved}
                onChanged={(changed) => list.set((list.data ?? []).map((r) => (r.id === changed.id ? changed : r)))}
                onPreview={() => setPreviewing(rule)}
                onDelete={() => {
                  remove.setError(null);
                  setDeleting(rule);
                }}
              />
            ))}
          </ul>
        )}
      </Card>
      <Dialog open={previewing !== null} title={`Preview “${previewing?.name ?? ''}”`} onClose={() => setPreviewing(null)}>
        {previewing && <PreviewForm rule={previewing} onClose={() => setPreviewing(null)} />}
      </Dialog>
      <Dialog open={deleting !== null} title="Delete this rule?" onClose={() => setDeleting(null)}>
        <p>
          “{deleting?.name}” will send no more reminders. Messages already sent stay in each invoice's delivery log.
        </p>
        {remove.error && <Alert tone="error">{remove.error.summary}</Alert>}
        <div className="dialog-actions">
          <Button variant="ghost" onClick={() => setDeleting(null)}>
            Cancel
          </Button>
          <Button variant="danger" busy={remove.busy} onClick={confirmDelete}>
            Delete rule
          </Button>
        </div>
      </Dialog>
    </>
  );
}

function RuleRow({
  rule,
  highlight,
  onChanged,
  onPreview,
  onDelete,
}: {
  rule: Rule;
  highlight: boolean;
  onChanged: (rule: Rule) => void;
  onPreview: () => void;
  onDelete: () => void;
}) {
  const toggle = useSavedSwitch(
    rule.enabled,
    async (enabled) => {
      const saved = await automations.update(rule.id, { ...inputOf(rule), enabled });
      onChanged(saved);
      return saved;
    },
    (saved) => `“${saved.name}” switched ${saved.enabled ? 'on' : 'off'}.`,
  );

  return (
    <li className={`list-row ${highlight ? 'flash' : ''}`} data-testid="automation-rule" data-rule-id={rule.id}>
      <div className="list-main">
        <span className="list-title">{rule.name}</span>
        <span className="list-sub">
          Sends {triggerWords(rule.trigger.event, rule.trigger.days)} by {channelWords[rule.action.channel] ?? rule.action.channel}
        </span>
        <span className="list-sub list-snippet">{rule.action.template}</span>
        {toggle.error && (
          <p className="field-error" role="alert">
            {toggle.error.summary}
          </p>
        )}
      </div>
      <div className="list-end">
        <span className="role-badge">{channelLabels[rule.action.channel] ?? rule.action.channel}</span>
        <label className="switch">
          <input type="checkbox" role="switch" checked={toggle.on} aria-busy={toggle.busy || undefined} onChange={(e) => void toggle.flip(e.target.checked)} />
          <span className="sr-only">Enabled: {rule.name}</span>
          <span className="switch-state" aria-hidden="true">
            {toggle.on ? 'On' : 'Off'}
          </span>
        </label>
        <span className="sr-only" role="status">
          {toggle.announcement}
        </span>
        <div className="row-actions">
          <Button variant="secondary" size="sm" onClick={onPreview} aria-label={`Preview ${rule.name}`}>
            Preview
          </Button>
          <Link className="btn btn-secondary btn-sm" to={`/automations/${rule.id}`} aria-label={`Edit ${rule.name}`}>
            Edit
          </Link>
          <Button variant="danger" size="sm" onClick={onDelete} aria-label={`Delete ${rule.name}`}>
            Delete
          </Button>
        </div>
      </div>
    </li>
  );
}

/** The rule's message for one of the tenant's unpaid invoices, rendered by the Automation service. */
function PreviewForm({ rule, onClose }: { rule: Rule; onClose: () => void }) {
  const invoices = useLoad(async () => {
    const [overdue, open] = await Promise.all([invoicing.list('overdue'), invoicing.list('open')]);
    return [...overdue, ...open];
  }, []);
  const [invoiceId, setInvoiceId] = useState('');
  const [preview, setPreview] = useState<RulePreview | null>(null);
  const action = useAction();
  const chosen = invoiceId || invoices.data?.[0]?.id || '';
  const email = rule.action.channel === 'email';

  async function show(event: FormEvent) {
    event.preventDefault();
    setPreview(null);
    const rendered = await action.run(() => automations.preview(rule.id, chosen));
    if (rendered) setPreview(rendered);
  }

  return (
    <form onSubmit={show} className="form" noValidate>
      {invoices.loading && !invoices.data && <Loading label="Loading invoices" />}
      {invoices.error ? <ErrorAlert error={invoices.error} onRetry={invoices.reload} /> : null}
      {invoices.data?.length === 0 && <Empty title="No unpaid invoices">Send an invoice, then preview this rule with its client's details.</Empty>}
      {invoices.data && invoices.data.length > 0 && (
        <SelectField
          label="Invoice"
          value={chosen}
          onChange={(e) => {
            setInvoiceId(e.target.value);
            setPreview(null);
          }}
          error={action.error?.field('invoiceId')}
        >
          {invoices.data.map((invoice) => (
            <option key={invoice.id} value={invoice.id}>
              {invoiceLabel(invoice)}
            </option>
          ))}
        </SelectField>
      )}
      {action.error && !action.error.field('invoiceId') && (
        <Alert tone="error">
          {action.error.status === 404
            ? 'Reminders have not caught up with this invoice yet (it was sent a moment ago). Try again in a few seconds.'
            : action.error.summary}
        </Alert>
      )}
      <div aria-live="polite">
        {preview && (
          <div className="message-preview" data-testid="rule-preview">
            <dl className="message-meta">
              <dt>To</dt>
              <dd>{preview.to ?? (email ? 'No email address on file: this reminder would be skipped' : 'No mobile number on file: this reminder would be skipped')}</dd>
              {email && (
                <>
                  <dt>Subject</dt>
                  <dd>{preview.subject || '—'}</dd>
                </>
              )}
            </dl>
            <p className="message-body prewrap" data-testid="rule-preview-body">
              {preview.body}
            </p>
          </div>
        )}
      </div>
      <div className="dialog-actions">
        <Button variant="ghost" onClick={onClose}>
          Close
        </Button>
        <Button type="submit" busy={action.busy} disabled={!chosen}>
          Show message
        </Button>
      </div>
    </form>
  );
}

function invoiceLabel(invoice: Invoice): string {
  const due = invoice.status === 'overdue' ? `overdue since ${day(invoice.dueDate)}` : `due ${day(invoice.dueDate)}`;
  return `${invoice.number ?? 'Draft'} · ${clientName(invoice.client)} · ${money(invoice.amountDue, invoice.currency)} · ${due}`;
}

interface Draft {
  name: string;
  event: TriggerEvent;
  days: string;
  channel: Channel;
  subject: string;
  template: string;
  enabled: boolean;
}

const blank: Draft = {
  name: '',
  event: 'invoice.overdue',
  days: '3',
  channel: 'sms',
  subject: '',
  template: 'Hi {{ client.firstName }}, invoice {{ invoice.number }} for {{ invoice.amountDue }} was due on {{ invoice.dueDate }}. You can pay it here: {{ invoice.link }}',
  enabled: true,
};

function draftOf(rule: Rule): Draft {
  return {
    name: rule.name,
    event: rule.trigger.event,
    days: String(rule.trigger.days),
    channel: rule.action.channel,
    subject: rule.action.subject ?? '',
    template: rule.action.template,
    enabled: rule.enabled,
  };
}

/** The days as typed if they are a whole number, else null. */
function wholeDays(text: string): number | null {
  const days = Number(text);
  return text.trim() !== '' && Number.isInteger(days) && Math.abs(days) < 2 ** 31 ? days : null;
}

function inputOfDraft(draft: Draft): RuleInput {
  return {
    name: draft.name.trim(),
    // Anything but a whole number goes as missing, so the service names the field (a fraction would not bind at all).
    trigger: { event: draft.event, days: wholeDays(draft.days) },
    action: {
      channel: draft.channel,
      template: draft.template,
      // Left empty, an email gets its trigger's default subject; an SMS has none.
      subject: draft.channel === 'email' && draft.subject.trim() ? draft.subject.trim() : undefined,
    },
    enabled: draft.enabled,
  };
}

export function AutomationRulePage({ id }: { id?: string }) {
  const { me } = useSession();
  const rule = useLoad(() => (id ? automations.get(id) : Promise.resolve(undefined)), [id]);
  const back = (
    <Link to="/automations" className="back">
      ← Automations
    </Link>
  );
  if (me?.role === 'technician') return <Alert tone="info">Automations are managed by the owner and dispatchers.</Alert>;
  if (id && rule.loading && !rule.data) return <Loading />;
  if (id && (rule.error || !rule.data)) return <ErrorAlert error={rule.error} onRetry={rule.reload} />;
  return (
    <>
      <PageHeader back={back} title={rule.data ? `Edit “${rule.data.name}”` : 'New rule'} />
      <RuleForm key={rule.data?.id ?? 'new'} rule={rule.data} />
    </>
  );
}

function RuleForm({ rule }: { rule?: Rule }) {
  const { navigate } = useRouter();
  const [draft, setDraft] = useState<Draft>(() => (rule ? draftOf(rule) : blank));
  const action = useAction();
  const template = useRef<HTMLTextAreaElement>(null);
  // Until the message has been focused, a placeholder goes at its end rather than where the browser left the caret.
  const touched = useRef(false);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    const input = inputOfDraft(draft);
    const saved = await action.run(() => (rule ? automations.update(rule.id, input) : automations.create(input)));
    if (saved) navigate(`/automations?saved=${saved.id}`);
  }

  function insert(variable: string) {
    const token = `{{ ${variable} }}`;
    const area = template.current;
    const start = area && touched.current ? area.selectionStart : draft.template.length;
    const end = area && touched.current ? area.selectionEnd : start;
    set('template', draft.template.slice(0, start) + token + draft.template.slice(end));
    const caret = start + token.length;
    requestAnimationFrame(() => {
      area?.focus();
      area?.setSelectionRange(caret, caret);
    });
  }

  const e = action.error;
  const days = wholeDays(draft.days);
  const when = days !== null && days >= 0 && days <= 365 ? `Sends ${triggerWords(draft.event, days)}.` : 'From 0 to 365.';
  const limit = maxLength[draft.channel];
  const count =
    draft.channel === 'sms'
      ? `${draft.template.length.toLocaleString()} / ${limit.toLocaleString()} characters${draft.template.length > limit ? ' (too long)' : ''}. Placeholders are counted as written; an SMS over 160 characters arrives in parts.`
      : `Up to ${limit.toLocaleString()} characters.`;

  return (
    <form onSubmit={submit} className="form" noValidate>
      <Card title="Schedule">
        <TextField label="Name" placeholder="e.g. Overdue by 1 day (email)" value={draft.name} onChange={(ev) => set('name', ev.target.value)} error={e?.field('name')} required />
        <div className="form-row">
          <SelectField label="Trigger" value={draft.event} onChange={(ev) => set('event', ev.target.value as TriggerEvent)} error={e?.field('trigger.event')}>
            {triggers.map((t) => (
              <option key={t.value} value={t.value}>
                {t.label}
              </option>
            ))}
          </SelectField>
          <TextField
            label="Days"
            type="number"
            inputMode="numeric"
            min="0"
            max="365"
            step="1"
            value={draft.days}
            onChange={(ev) => set('days', ev.target.value)}
            error={e?.field('trigger.days')}
            hint={when}
          />
        </div>
      </Card>
      <Card title="Reminder">
        <div className="form-row">
          <SelectField label="Channel" value={draft.channel} onChange={(ev) => set('channel', ev.target.value as Channel)} error={e?.field('action.channel')}>
            <option value="sms">SMS to the client's mobile</option>
            <option value="email">Email to the client</option>
          </SelectField>
          {draft.channel === 'email' && (
            <TextField
              label="Subject (optional)"
              value={draft.subject}
              onChange={(ev) => set('subject', ev.target.value)}
              error={e?.field('action.subject')}
              hint="Left empty, the email gets a subject that fits the trigger, with the invoice number and your business name."
            />
          )}
        </div>
        <Field label="Message" error={e?.field('action.template')} hint={count}>
          {(props) => (
            <>
              <textarea
                {...props}
                ref={template}
                rows={draft.channel === 'sms' ? 4 : 8}
                value={draft.template}
                onFocus={() => (touched.current = true)}
                onChange={(ev) => set('template', ev.target.value)}
              />
              <div className="placeholders" role="group" aria-label="Placeholders">
                {variables.map((variable) => (
                  <button key={variable} type="button" className="placeholder-chip" onClick={() => insert(variable)}>
                    <span className="sr-only">Insert </span>
                    {`{{ ${variable} }}`}
                  </button>
                ))}
              </div>
            </>
          )}
        </Field>
        <label className="check">
          <input type="checkbox" checked={draft.enabled} onChange={(ev) => set('enabled', ev.target.checked)} /> Enabled: send reminders on this schedule
        </label>
      </Card>
      {e && !Object.keys(e.fieldErrors).length && <Alert tone="error">{e.summary}</Alert>}
      {e && Object.keys(e.fieldErrors).length > 0 && <Alert tone="error">Check the highlighted fields. Nothing was saved.</Alert>}
      <div className="form-actions">
        <Link className="btn btn-ghost" to="/automations">
          Cancel
        </Link>
        <Button type="submit" busy={action.busy} size="lg">
          {rule ? 'Save rule' : 'Create rule'}
        </Button>
      </div>
    </form>
  );
}
