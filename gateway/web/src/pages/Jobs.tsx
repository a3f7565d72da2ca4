import { useMemo, useState, type FormEvent } from 'react';
import { jobs, invoicing, type Client, type Job, type JobStatus, type LineItem, type LineKind } from '../api';
import { clientName, dateTime, kindLabels, money } from '../format';
import { Link, useRouter } from '../router';
import { useSession } from '../session';
import { Alert, Button, Card, Dialog, Empty, ErrorAlert, Loading, PageHeader, SelectField, StatusChip, TextAreaField, TextField, useAction, useLoad } from '../components/ui';
import { NewClientForm } from './Clients';

const filters: { value: JobStatus | ''; label: string }[] = [
  { value: '', label: 'All' },
  { value: 'scheduled', label: 'Scheduled' },
  { value: 'in_progress', label: 'In progress' },
  { value: 'completed', label: 'Completed' },
  { value: 'cancelled', label: 'Cancelled' },
];

export function JobsPage() {
  const { search, navigate } = useRouter();
  const { me } = useSession();
  const canPlan = me?.role !== 'technician';
  const status = (search.get('status') ?? '') as JobStatus | '';
  const [query, setQuery] = useState('');
  const clientId = search.get('client') ?? undefined;
  const list = useLoad(() => jobs.list(status || undefined, clientId), [status, clientId]);

  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!list.data || !q) return list.data;
    return list.data.filter((job) => `${job.title} ${clientName(job.client)}`.toLowerCase().includes(q));
  }, [list.data, query]);

  return (
    <>
      <PageHeader
        title="Jobs"
        subtitle="Complete a job, then invoice it in one click."
        actions={
          canPlan && (
            <Link className="btn btn-primary" to="/jobs/new">
              New job
            </Link>
          )
        }
      />
      <div className="toolbar">
        <div className="segmented" role="group" aria-label="Filter by status">
          {filters.map((f) => (
            <button
              key={f.value}
              type="button"
              aria-pressed={status === f.value}
              onClick={() => {
                const next = new URLSearchParams(search);
                if (f.value) next.set('status', f.value);
                else next.delete('status');
                navigate(next.size ? `/jobs?${next}` : '/jobs', { replace: true });
              }}
            >
              {f.label}
            </button>
          ))}
        </div>
        <div className="search">
          <label htmlFor="job-search" className="sr-only">
            Search jobs
          </label>
          <input id="job-search" type="search" placeholder="Search title or client" value={query} onChange={(e) => setQuery(e.target.value)} />
        </div>
      </div>
      <Card>
        {list.loading && !list.data && <Loading />}
        {list.error ? <ErrorAlert error={list.error} onRetry={list.reload} /> : null}
        {shown && shown.length === 0 && (
          <Empty title={query || status ? 'No jobs match' : 'No jobs yet'} action={!query && !status ? <Link className="btn btn-primary" to="/jobs/new">Create your first job</Link> : undefined}>
            {query || status ? 'Try another filter.' : 'Add a job with its labor, materials and fees.'}
          </Empty>
        )}
        {shown && shown.length > 0 && (
          <ul className="list" aria-label="Jobs">
            {shown.map((job) => (
              <JobRow key={job.id} job={job} onChanged={list.reload} />
            ))}
          </ul>
        )}
      </Card>
    </>
  );
}

function JobRow({ job, onChanged }: { job: Job; onChanged: () => void }) {
  return (
    <li className="list-row" data-testid="job-row" data-job-id={job.id}>
      <Link to={`/jobs/${job.id}`} className="list-main">
        <span className="list-title">{job.title}</span>
        <span className="list-sub">
          {clientName(job.client)} · {job.lineItems.length} item{job.lineItems.length === 1 ? '' : 's'}
        </span>
      </Link>
      <div className="list-end">
        <span className="amount">{money(job.total, job.currency)}</span>
        <StatusChip status={job.status} />
        <JobActions job={job} onChanged={onChanged} compact />
      </div>
    </li>
  );
}

/** Complete (scheduled or in progress) and Invoice Job (completed): the two steps of the money path. */
function JobActions({ job, onChanged, compact = false }: { job: Job; onChanged: (job?: Job) => void; compact?: boolean }) {
  const { navigate } = useRouter();
  const { me } = useSession();
  const [completing, setCompleting] = useState(false);
  const [notes, setNotes] = useState('');
  const action = useAction();

  async function invoice() {
    const created = await action.run(() => invoicing.invoiceJob(job.id));
    if (created) navigate(`/invoices/${created.id}`);
  }

  async function complete(event: FormEvent) {
    event.preventDefault();
    const done = await action.run(() => jobs.complete(job.id, notes));
    if (done) {
      setCompleting(false);
      onChanged(done);
    }
  }

  return (
    <div className="row-actions">
      {(job.status === 'scheduled' || job.status === 'in_progress') && (
        <Button variant="secondary" size="sm" onClick={() => setCompleting(true)} aria-label={compact ? `Complete ${job.title}` : undefined}>
          Complete
        </Button>
      )}
      {job.status === 'completed' && me?.role !== 'technician' && (
        <Button size="sm" busy={action.busy} onClick={invoice} aria-label={compact ? `Invoice Job ${job.title}` : undefined}>
          Invoice Job
        </Button>
      )}
      {action.error && !completing && (
        <p className="field-error" role="alert">
          {action.error.summary}
        </p>
      )}
      <Dialog open={completing} title={`Complete "${job.title}"`} onClose={() => setCompleting(false)}>
        <form onSubmit={complete} className="form">
          <p className="muted">The job's line items become the invoice's lines. You can still review the invoice before sending it.</p>
          <TextAreaField label="Notes for the invoice (optional)" value={notes} onChange={(e) => setNotes(e.target.value)} rows={3} />
          {action.error && <Alert tone="error">{action.error.summary}</Alert>}
          <div className="dialog-actions">
            <Button variant="ghost" onClick={() => setCompleting(false)}>
              Cancel
            </Button>
            <Button type="submit" busy={action.busy}>
              Mark completed
            </Button>
          </div>
        </form>
      </Dialog>
    </div>
  );
}

export function JobPage({ id }: { id: string }) {
  const job = useLoad(() => jobs.get(id), [id]);
  const back = (
    <Link to="/jobs" className="back">
      ← Jobs
    </Link>
  );
  if (job.loading && !job.data) return <Loading />;
  if (job.error || !job.data) return <ErrorAlert error={job.error} onRetry={job.reload} />;
  const j = job.data;
  return (
    <>
      <PageHeader
        back={back}
        title={
          <>
            {j.title} <StatusChip status={j.status} />
          </>
        }
        subtitle={`${clientName(j.client)}${j.completedAt ? ` · completed ${dateTime(j.completedAt)}` : ''}`}
        actions={<JobActions job={j} onChanged={(updated) => (updated ? job.set(updated) : job.reload())} />}
      />
      <Card title="Line items">
        <LinesTable lines={j.lineItems} currency={j.currency} />
        <div className="totals">
          <div>
            <span>Total before tax</span>
            <strong>{money(j.total, j.currency)}</strong>
          </div>
        </div>
      </Card>
      {j.notes && (
        <Card title="Notes">
          <p className="prewrap">{j.notes}</p>
        </Card>
      )}
      {j.client && (
        <Card title="Client">
          <p>
            <strong>{clientName(j.client)}</strong>
          </p>
          <p className="muted">{[j.client.email, j.client.phone, j.client.address].filter(Boolean).join(' · ')}</p>
        </Card>
      )}
    </>
  );
}

export function LinesTable({ lines, currency }: { lines: { kind: string; description: string; quantity: number; unitPrice: number; amount?: number }[]; currency: string }) {
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col" className="num hide-sm">
              Qty
            </th>
            <th scope="col" className="num hide-sm">
              Price
            </th>
            <th scope="col" className="num">
              Amount
            </th>
          </tr>
        </thead>
        <tbody>
          {lines.map((line, i) => (
            <tr key={i}>
              <td>
                <span className="line-desc">{line.description}</span>
                <span className="line-kind">
                  {kindLabels[line.kind] ?? line.kind}
                  <span className="show-sm">
                    {' · '}
                    {line.quantity}
                    {line.kind === 'labor' ? ' h' : ''} × {money(line.unitPrice, currency)}
                  </span>
                </span>
              </td>
              <td className="num hide-sm">
                {line.quantity}
                {line.kind === 'labor' ? ' h' : ''}
              </td>
              <td className="num hide-sm">{money(line.unitPrice, currency)}</td>
              <td className="num">{money(line.amount ?? line.quantity * line.unitPrice, currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface DraftLine {
  key: number;
  kind: LineKind;
  description: string;
  quantity: string;
  unitPrice: string;
  taxable: boolean;
}

const quantityLabel: Record<LineKind, string> = { labor: 'Hours', material: 'Quantity', service: 'Quantity', fee: 'Quantity' };
const priceLabel: Record<LineKind, string> = { labor: 'Hourly rate', material: 'Unit price', service: 'Price', fee: 'Amount' };
const placeholder: Record<LineKind, string> = {
  labor: 'e.g. Technician labor',
  material: 'e.g. 3/4" copper pipe',
  service: 'e.g. Water heater flush',
  fee: 'e.g. Trip charge',
};

let nextKey = 1;
const newLine = (kind: LineKind): DraftLine => ({ key: nextKey++, kind, description: '', quantity: kind === 'labor' ? '1' : '1', unitPrice: '', taxable: kind !== 'labor' });

export function NewJobPage() {
  const { navigate } = useRouter();
  const { me } = useSession();
  const clients = useLoad(() => jobs.clients(), []);
  const [clientId, setClientId] = useState('');
  const [addingClient, setAddingClient] = useState(false);
  const [title, setTitle] = useState('');
  const [lines, setLines] = useState<DraftLine[]>([newLine('labor')]);
  const action = useAction();
  const currency = me?.currency ?? 'USD';

  const update = (key: number, patch: Partial<DraftLine>) => setLines((ls) => ls.map((l) => (l.key === key ? { ...l, ...patch } : l)));

  async function submit(event: FormEvent) {
    event.preventDefault();
    const lineItems: LineItem[] = lines.map((l) => ({
      kind: l.kind,
      description: l.description.trim(),
      quantity: Number(l.quantity),
      unitPrice: Number(l.unitPrice),
      taxable: l.taxable,
    }));
    const job = await action.run(() => jobs.create({ clientId, title: title.trim(), lineItems }));
    if (job) navigate(`/jobs/${job.id}`);
  }

  function clientAdded(client: Client) {
    clients.set([...(clients.data ?? []), client]);
    setClientId(client.id);
    setAddingClient(false);
  }

  const e = action.error;
  const estimate = lines.reduce((sum, l) => sum + (Number(l.quantity) || 0) * (Number(l.unitPrice) || 0), 0);

  return (
    <>
      <PageHeader
        back={
          <Link to="/jobs" className="back">
            ← Jobs
          </Link>
        }
        title="New job"
      />
      <form onSubmit={submit} className="form" noValidate>
        <Card title="Job">
          <div className="form-row">
            <div className="client-pick">
              <SelectField label="Client" value={clientId} onChange={(ev) => setClientId(ev.target.value)} error={e?.field('clientId')} required>
                <option value="">{clients.loading ? 'Loading clients…' : 'Choose a client'}</option>
                {clients.data?.map((c) => (
                  <option key={c.id} value={c.id}>
                    {clientName(c)}
                    {c.email ? ` (${c.email})` : ''}
                  </option>
                ))}
              </SelectField>
              <Button variant="ghost" size="sm" onClick={() => setAddingClient(true)}>
                + New client
              </Button>
            </div>
            <TextField label="Title" placeholder="e.g. Replace water heater" value={title} onChange={(ev) => setTitle(ev.target.value)} error={e?.field('title')} required />
          </div>
        </Card>

        <Card
          title="Line items"
          actions={
            <div className="add-lines" role="group" aria-label="Add a line">
              {(['labor', 'material', 'service', 'fee'] as LineKind[]).map((kind) => (
                <Button key={kind} variant="secondary" size="sm" onClick={() => setLines((ls) => [...ls, newLine(kind)])}>
                  + {kindLabels[kind]}
                </Button>
              ))}
            </div>
          }
        >
          {e?.field('lineItems') && <Alert tone="error">{e.field('lineItems')}</Alert>}
          <ol className="line-editor">
            {lines.map((line, i) => (
              <li key={line.key} className="line-edit" aria-label={`Line ${i + 1}`}>
                <SelectField label="Kind" value={line.kind} onChange={(ev) => update(line.key, { kind: ev.target.value as LineKind })} className="le-kind">
                  {Object.entries(kindLabels).map(([value, label]) => (
                    <option key={value} value={value}>
                      {label}
                    </option>
                  ))}
                </SelectField>
                <TextField
                  label="Description"
                  className="le-desc"
                  placeholder={placeholder[line.kind]}
                  value={line.description}
                  onChange={(ev) => update(line.key, { description: ev.target.value })}
                  error={e?.field(`lineItems[${i}].description`)}
                />
                <TextField
                  label={quantityLabel[line.kind]}
                  className="le-qty"
                  type="number"
                  inputMode="decimal"
                  min="0"
                  step="any"
                  value={line.quantity}
                  onChange={(ev) => update(line.key, { quantity: ev.target.value })}
                  error={e?.field(`lineItems[${i}].quantity`)}
                />
                <TextField
                  label={`${priceLabel[line.kind]} (${currency})`}
                  className="le-price"
                  type="number"
                  inputMode="decimal"
                  min="0"
                  step="0.01"
                  value={line.unitPrice}
                  onChange={(ev) => update(line.key, { unitPrice: ev.target.value })}
                  error={e?.field(`lineItems[${i}].unitPrice`)}
                />
                <label className="check le-tax">
                  <input type="checkbox" checked={line.taxable} onChange={(ev) => update(line.key, { taxable: ev.target.checked })} /> Taxable
                </label>
                <Button
                  variant="ghost"
                  size="sm"
                  className="le-remove"
                  onClick={() => setLines((ls) => ls.filter((l) => l.key !== line.key))}
                  disabled={lines.length === 1}
                  aria-label={`Remove line ${i + 1}`}
                >
                  Remove
                </Button>
              </li>
            ))}
          </ol>
          <div className="totals">
            <div>
              <span>Estimate before tax</span>
              <strong>{money(estimate, currency)}</strong>
            </div>
          </div>
        </Card>

        {e && !Object.keys(e.fieldErrors).length && <Alert tone="error">{e.summary}</Alert>}
        {e && Object.keys(e.fieldErrors).length > 0 && <Alert tone="error">Check the highlighted fields.</Alert>}
        <div className="form-actions">
          <Link className="btn btn-ghost" to="/jobs">
            Cancel
          </Link>
          <Button type="submit" busy={action.busy} size="lg">
            Create job
          </Button>
        </div>
      </form>

      <Dialog open={addingClient} title="New client" onClose={() => setAddingClient(false)}>
        <NewClientForm onCreated={clientAdded} onCancel={() => setAddingClient(false)} />
      </Dialog>
    </>
  );
}
