import { useId, useState, type FormEvent } from 'react';
import { automations, jobs, type Client } from '../api';
import { clientName } from '../format';
import { Link } from '../router';
import { useSession } from '../session';
import { Alert, Button, Card, Dialog, Empty, ErrorAlert, Loading, PageHeader, TextAreaField, TextField, useAction, useLoad, useSavedSwitch } from '../components/ui';

export function NewClientForm({ onCreated, onCancel }: { onCreated: (client: Client) => void; onCancel: () => void }) {
  const [form, setForm] = useState({ firstName: '', lastName: '', email: '', phone: '', address: '' });
  const action = useAction();
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value });

  async function submit(event: FormEvent) {
    event.preventDefault();
    event.stopPropagation();
    const created = await action.run(() =>
      jobs.createClient({
        firstName: form.firstName.trim(),
        lastName: form.lastName.trim(),
        email: form.email.trim() || undefined,
        phone: form.phone.trim() || undefined,
        address: form.address.trim() || undefined,
      }),
    );
    if (created) onCreated(created);
  }

  const e = action.error;
  return (
    <form onSubmit={submit} className="form" noValidate>
      <div className="form-row">
        <TextField label="First name" autoComplete="off" value={form.firstName} onChange={set('firstName')} error={e?.field('firstName')} required />
        <TextField label="Last name" autoComplete="off" value={form.lastName} onChange={set('lastName')} error={e?.field('lastName')} required />
      </div>
      <TextField label="Email" type="email" autoComplete="off" value={form.email} onChange={set('email')} error={e?.field('email')} hint="Invoices and pay links go here." />
      <TextField label="Mobile phone" type="tel" autoComplete="off" value={form.phone} onChange={set('phone')} error={e?.field('phone')} hint="International format, e.g. +15551234567. For SMS reminders." />
      <TextAreaField label="Service address" rows={2} value={form.address} onChange={set('address')} error={e?.field('address')} />
      {e && !Object.keys(e.fieldErrors).length && <Alert tone="error">{e.summary}</Alert>}
      <div className="dialog-actions">
        <Button variant="ghost" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" busy={action.busy}>
          Add client
        </Button>
      </div>
    </form>
  );
}

export function ClientsPage() {
  const [query, setQuery] = useState('');
  const [search, setSearch] = useState('');
  const list = useLoad(() => jobs.clients(search || undefined), [search]);
  const [adding, setAdding] = useState(false);

  return (
    <>
      <PageHeader title="Clients" actions={<Button onClick={() => setAdding(true)}>New client</Button>} />
      <form
        className="toolbar"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setSearch(query.trim());
        }}
      >
        <div className="search">
          <label htmlFor="client-search" className="sr-only">
            Search clients
          </label>
          <input id="client-search" type="search" placeholder="Name, email or phone" value={query} onChange={(e) => setQuery(e.target.value)} />
        </div>
        <Button type="submit" variant="secondary">
          Search
        </Button>
      </form>
      <Card>
        {list.loading && !list.data && <Loading />}
        {list.error ? <ErrorAlert error={list.error} onRetry={list.reload} /> : null}
        {list.data && list.data.length === 0 && <Empty title={search ? 'No clients match' : 'No clients yet'}>Add the people you work for.</Empty>}
        {list.data && list.data.length > 0 && (
          <ul className="list" aria-label="Clients">
            {list.data.map((c) => (
              <li key={c.id} className="list-row">
                <div className="list-main">
                  <Link className="list-title" to={`/clients/${c.id}`}>
                    {clientName(c)}
                  </Link>
                  <span className="list-sub">{[c.email, c.phone].filter(Boolean).join(' · ') || 'No contact details'}</span>
                </div>
                <div className="list-end">
                  <Link className="btn btn-secondary btn-sm" to={`/jobs?client=${c.id}`}>
                    Jobs
                  </Link>
                </div>
              </li>
            ))}
          </ul>
        )}
      </Card>
      <Dialog open={adding} title="New client" onClose={() => setAdding(false)}>
        <NewClientForm
          onCreated={(client) => {
            list.set([...(list.data ?? []), client]);
            setAdding(false);
          }}
          onCancel={() => setAdding(false)}
        />
      </Dialog>
    </>
  );
}

export function ClientPage({ id }: { id: string }) {
  const { me } = useSession();
  const client = useLoad(() => jobs.client(id), [id]);
  if (client.loading && !client.data) return <Loading />;
  if (client.error || !client.data) return <ErrorAlert error={client.error} onRetry={client.reload} />;
  const c = client.data;
  return (
    <>
      <PageHeader
        back={
          <Link to="/clients" className="back">
            ← Clients
          </Link>
        }
        title={clientName(c)}
        actions={
          <Link className="btn btn-secondary" to={`/jobs?client=${c.id}`}>
            Jobs
          </Link>
        }
      />
      <Card title="Contact">
        <dl className="facts">
          <div>
            <dt>Email</dt>
            <dd>{c.email || '—'}</dd>
          </div>
          <div>
            <dt>Mobile phone</dt>
            <dd>{c.phone || '—'}</dd>
          </div>
          <div>
            <dt>Service address</dt>
            <dd>{c.address || '—'}</dd>
          </div>
        </dl>
      </Card>
      {me?.role !== 'technician' && <ReminderPreference clientId={c.id} />}
    </>
  );
}

/** The client's "do not remind" switch: saved at once, and back to where it was if the save fails. */
function ReminderPreference({ clientId }: { clientId: string }) {
  const preference = useLoad(() => automations.doNotRemind(clientId), [clientId]);
  const save = useSavedSwitch(
    preference.data?.doNotRemind ?? false,
    async (doNotRemind) => {
      const saved = await automations.setDoNotRemind(clientId, doNotRemind);
      preference.set(saved);
      return saved;
    },
    (saved) => (saved.doNotRemind ? 'Saved: no automatic reminders go to this client.' : 'Saved: automatic reminders go to this client again.'),
  );
  const hintId = useId();

  return (
    <Card title="Automatic reminders">
      {preference.error ? (
        <ErrorAlert error={preference.error} onRetry={preference.reload} />
      ) : (
        <>
          <label className="switch">
            <input
              type="checkbox"
              role="switch"
              checked={save.on}
              disabled={!preference.data}
              aria-busy={save.busy || preference.loading || undefined}
              aria-describedby={hintId}
              onChange={(e) => void save.flip(e.target.checked)}
            />
            <span>Don't send automatic reminders to this client</span>
          </label>
          <p className="field-hint" id={hintId}>
            Automations skip this client's invoices while this is on; the invoice email itself still goes out. Switched off again before a reminder
            is due, that reminder goes as planned.
          </p>
          {save.error && <Alert tone="error">The setting was not saved: {save.error.summary}</Alert>}
          <span className="sr-only" role="status">
            {save.announcement}
          </span>
        </>
      )}
    </Card>
  );
}
