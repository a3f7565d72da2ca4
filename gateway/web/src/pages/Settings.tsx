import { useEffect, useState, type FormEvent } from 'react';
import { accounts, invoicing, payments, type InvoiceSettings, type Invitation, type Role, type StripeAccount } from '../api';
import { dateTime, termsLabels } from '../format';
import { Link, useRouter } from '../router';
import { useSession } from '../session';
import { Alert, Button, Card, ErrorAlert, Loading, PageHeader, SelectField, StatusChip, TextAreaField, TextField, useAction, useLoad } from '../components/ui';

const tabs = [
  { to: '/settings', label: 'Business' },
  { to: '/settings/integrations', label: 'Integrations' },
  { to: '/settings/team', label: 'Team' },
];

export function SettingsPage() {
  const { path } = useRouter();
  return (
    <>
      <PageHeader title="Settings" />
      <nav className="tabs" aria-label="Settings">
        {tabs.map((t) => (
          <Link key={t.to} to={t.to} aria-current={path === t.to ? 'page' : undefined}>
            {t.label}
          </Link>
        ))}
      </nav>
      {path === '/settings/integrations' ? <Integrations /> : path === '/settings/team' ? <Team /> : <Business />}
    </>
  );
}

function Business() {
  const { me } = useSession();
  const settings = useLoad(() => invoicing.settings(), []);
  if (settings.loading && !settings.data) return <Loading />;
  if (settings.error || !settings.data) return <ErrorAlert error={settings.error} onRetry={settings.reload} />;
  return <BusinessForm initial={settings.data} canEdit={me?.role === 'owner'} onSaved={settings.set} />;
}

function BusinessForm({ initial, canEdit, onSaved }: { initial: InvoiceSettings; canEdit: boolean; onSaved: (s: InvoiceSettings) => void }) {
  const [form, setForm] = useState({
    businessName: initial.businessName,
    businessAddress: initial.businessAddress ?? '',
    businessEmail: initial.businessEmail ?? '',
    businessPhone: initial.businessPhone ?? '',
    invoicePrefix: initial.invoicePrefix,
    defaultTerms: initial.defaultTerms as string,
    taxPercent: String(Number((initial.taxRate * 100).toFixed(4))),
  });
  const [saved, setSaved] = useState(false);
  const action = useAction();
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => {
    setSaved(false);
    setForm({ ...form, [key]: e.target.value });
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    const result = await action.run(() =>
      invoicing.saveSettings({
        businessName: form.businessName.trim(),
        businessAddress: form.businessAddress,
        businessEmail: form.businessEmail.trim(),
        businessPhone: form.businessPhone.trim(),
        invoicePrefix: form.invoicePrefix.trim(),
        defaultTerms: form.defaultTerms as InvoiceSettings['defaultTerms'],
        // Entered as a percentage, stored as a fraction (8.25% -> 0.0825).
        taxRate: Number((Number(form.taxPercent) / 100).toFixed(6)),
      }),
    );
    if (result) {
      onSaved(result);
      setSaved(true);
    }
  }

  const e = action.error;
  return (
    <form onSubmit={submit} className="form" noValidate>
      {!canEdit && <Alert tone="info">Only the owner can change these settings.</Alert>}
      <fieldset disabled={!canEdit} className="plain">
        <Card title="Business details" actions={<span className="muted small">Printed on invoices and the pay page</span>}>
          <div className="form-row">
            <TextField label="Business name" value={form.businessName} onChange={set('businessName')} error={e?.field('businessName')} />
            <TextField label="Billing email" type="email" value={form.businessEmail} onChange={set('businessEmail')} error={e?.field('businessEmail')} />
          </div>
          <div className="form-row">
            <TextField label="Phone" type="tel" value={form.businessPhone} onChange={set('businessPhone')} error={e?.field('businessPhone')} hint="International format, e.g. +15551234567." />
            <TextAreaField label="Address" rows={2} value={form.businessAddress} onChange={set('businessAddress')} error={e?.field('businessAddress')} />
          </div>
        </Card>
        <Card title="Invoices">
          <div className="form-row form-row-3">
            <TextField
              label="Invoice number prefix"
              value={form.invoicePrefix}
              onChange={set('invoicePrefix')}
              error={e?.field('invoicePrefix')}
              hint={`Next: ${form.invoicePrefix}${String(initial.nextNumber).padStart(6, '0')}`}
            />
            <SelectField label="Default payment terms" value={form.defaultTerms} onChange={set('defaultTerms')} error={e?.field('defaultTerms')}>
              {['due_on_receipt', 'net_7', 'net_15', 'net_30', 'net_60'].map((t) => (
                <option key={t} value={t}>
                  {termsLabels[t]}
                </option>
              ))}
            </SelectField>
            <TextField
              label="Tax rate (%)"
              type="number"
              inputMode="decimal"
              min="0"
              max="50"
              step="0.001"
              value={form.taxPercent}
              onChange={set('taxPercent')}
              error={e?.field('taxRate')}
              hint="Applied to taxable lines."
            />
          </div>
        </Card>
      </fieldset>
      {e && !Object.keys(e.fieldErrors).length && <Alert tone="error">{e.summary}</Alert>}
      {saved && <Alert tone="success">Saved.</Alert>}
      {canEdit && (
        <div className="form-actions">
          <Button type="submit" busy={action.busy}>
            Save settings
          </Button>
        </div>
      )}
    </form>
  );
}

const stripeReturn: Record<string, { tone: 'success' | 'warning' | 'info'; text: string }> = {
  active: { tone: 'success', text: 'Stripe is connected. Your customers can pay invoices online.' },
  onboarding: { tone: 'warning', text: 'Stripe still needs some details before you can take payments. Continue onboarding to finish.' },
  restricted: { tone: 'warning', text: 'Stripe has restricted the account: it needs more information. Continue onboarding to fix it.' },
  not_connected: { tone: 'info', text: 'Stripe onboarding was not finished.' },
};

function Integrations() {
  const { search } = useRouter();
  const { me } = useSession();
  const account = useLoad(() => payments.account(), []);
  const connect = useAction();
  const returned = search.get('stripe');

  async function start() {
    const link = await connect.run(() => payments.connect());
    if (link) window.location.assign(link.onboardingUrl);
  }

  return (
    <>
      {returned && stripeReturn[returned] && account.data?.status !== 'active' && returned !== 'active' && (
        <Alert tone={stripeReturn[returned].tone}>{stripeReturn[returned].text}</Alert>
      )}
      {returned === 'active' && account.data?.status === 'active' && <Alert tone="success">{stripeReturn.active.text}</Alert>}
      <Card title="Stripe" className="integration">
        <div className="integration-head">
          <div className="stripe-mark" aria-hidden="true">
            S
          </div>
          <div>
            <p className="integration-title">Card payments with Stripe</p>
            <p className="muted">Customers pay by card, Apple Pay or Google Pay. Money goes straight to your own Stripe account.</p>
          </div>
        </div>
        {account.loading && !account.data && <Loading />}
        {account.error ? <ErrorAlert error={account.error} onRetry={account.reload} /> : null}
        {account.data && <StripeStatus account={account.data} />}
        {connect.error && <Alert tone="error">{connect.error.summary}</Alert>}
        {account.data && account.data.status !== 'active' && me?.role === 'owner' && (
          <div className="form-actions form-actions-start">
            <Button size="lg" busy={connect.busy} onClick={start}>
              {account.data.status === 'not_connected' ? 'Connect Stripe' : 'Continue Stripe onboarding'}
            </Button>
          </div>
        )}
        {account.data?.status === 'active' && me?.role === 'owner' && (
          <div className="form-actions form-actions-start">
            <Button variant="secondary" busy={connect.busy} onClick={start}>
              Update details in Stripe
            </Button>
          </div>
        )}
        {me?.role !== 'owner' && account.data?.status !== 'active' && <p className="muted">Ask the owner of the account to connect Stripe.</p>}
      </Card>
    </>
  );
}

function StripeStatus({ account }: { account: StripeAccount }) {
  const missing: string[] = [];
  if (account.status !== 'not_connected') {
    if (!account.chargesEnabled) missing.push('Charges are not enabled yet: Stripe needs your business and identity details.');
    if (!account.payoutsEnabled) missing.push('Payouts are not enabled yet: Stripe needs a bank account for payouts.');
  }
  return (
    <div className="stripe-status" data-testid="stripe-status" data-status={account.status}>
      <dl className="facts">
        <div>
          <dt>Status</dt>
          <dd>
            <StatusChip status={account.status} />
          </dd>
        </div>
        <div>
          <dt>Charges</dt>
          <dd>
            <Check on={account.chargesEnabled} label={account.chargesEnabled ? 'Enabled' : 'Not enabled'} />
          </dd>
        </div>
        <div>
          <dt>Payouts</dt>
          <dd>
            <Check on={account.payoutsEnabled} label={account.payoutsEnabled ? 'Enabled' : 'Not enabled'} />
          </dd>
        </div>
        {account.accountId && (
          <div>
            <dt>Account</dt>
            <dd>
              <code>{account.accountId}</code>
            </dd>
          </div>
        )}
      </dl>
      {missing.length > 0 && (
        <div className="missing">
          <p className="figure-label">What is missing</p>
          <ul>
            {missing.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

function Check({ on, label }: { on: boolean; label: string }) {
  return (
    <span className={`check-state ${on ? 'on' : 'off'}`}>
      <span aria-hidden="true">{on ? '✓' : '○'}</span> {label}
    </span>
  );
}

function Team() {
  const { me } = useSession();
  const isOwner = me?.role === 'owner';
  const users = useLoad(() => (isOwner ? accounts.users() : Promise.resolve([])), [isOwner]);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('dispatcher');
  const [invitation, setInvitation] = useState<Invitation | null>(null);
  const [copied, setCopied] = useState(false);
  const action = useAction();

  useEffect(() => setCopied(false), [invitation]);

  if (!isOwner) return <Alert tone="info">Only the owner can see and invite the team.</Alert>;

  async function invite(event: FormEvent) {
    event.preventDefault();
    const created = await action.run(() => accounts.invite(email.trim(), role));
    if (created) {
      setInvitation(created);
      setEmail('');
    }
  }

  return (
    <>
      <Card title="Invite someone">
        <form onSubmit={invite} className="form" noValidate>
          <div className="form-row form-row-invite">
            <TextField label="Email" type="email" autoComplete="off" value={email} onChange={(e) => setEmail(e.target.value)} error={action.error?.field('email')} />
            <SelectField label="Role" value={role} onChange={(e) => setRole(e.target.value as Role)} error={action.error?.field('role')}>
              <option value="dispatcher">Dispatcher: jobs and invoices</option>
              <option value="technician">Technician: their jobs</option>
              <option value="owner">Owner: everything, incl. Stripe and team</option>
            </SelectField>
            <Button type="submit" busy={action.busy} className="align-end">
              Create invitation
            </Button>
          </div>
          {action.error && !Object.keys(action.error.fieldErrors).length && <Alert tone="error">{action.error.summary}</Alert>}
        </form>
        {invitation && (
          <Alert tone="success" title={`Invitation for ${invitation.email}`}>
            <p>Send this link to them. It works once and expires {dateTime(invitation.expiresAt)}; it is shown only now.</p>
            <div className="paylink-row">
              <label htmlFor="invite-url" className="sr-only">
                Invitation link
              </label>
              <input id="invite-url" readOnly value={invitation.acceptUrl} onFocus={(e) => e.target.select()} data-testid="invite-url" />
              <Button
                variant="secondary"
                onClick={async () => {
                  await navigator.clipboard?.writeText(invitation.acceptUrl).catch(() => {});
                  setCopied(true);
                }}
              >
                {copied ? 'Copied' : 'Copy'}
              </Button>
            </div>
          </Alert>
        )}
      </Card>
      <Card title="Team">
        {users.loading && !users.data && <Loading />}
        {users.error ? <ErrorAlert error={users.error} onRetry={users.reload} /> : null}
        {users.data && (
          <ul className="list">
            {users.data.map((u) => (
              <li key={u.id} className="list-row">
                <div className="list-main">
                  <span className="list-title">
                    {u.email}
                    {u.id === me?.userId && <span className="muted"> (you)</span>}
                  </span>
                  <span className="list-sub">Joined {dateTime(u.createdAt)}</span>
                </div>
                <div className="list-end">
                  {u.lockedOut && <StatusChip status="restricted" />}
                  <span className="role-badge">{u.role}</span>
                </div>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </>
  );
}
