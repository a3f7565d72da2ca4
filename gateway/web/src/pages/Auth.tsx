import { useState, type FormEvent, type ReactNode } from 'react';
import { accounts } from '../api';
import { Link, useRouter } from '../router';
import { useSession } from '../session';
import { Alert, Button, SelectField, TextField, useAction } from '../components/ui';
import { Logo } from '../components/Shell';

const currencies = ['USD', 'CAD', 'EUR', 'GBP', 'AUD', 'NZD', 'CHF', 'SEK', 'NOK', 'DKK', 'JPY'];

function AuthLayout({ title, subtitle, children, footer }: { title: string; subtitle?: string; children: ReactNode; footer?: ReactNode }) {
  return (
    <div className="auth">
      <aside className="auth-brand" aria-hidden="true">
        <Logo />
        <p className="auth-pitch">From job done to money in the bank in minutes, not 30 days.</p>
        <ul className="auth-points">
          <li>One click turns a completed job into an invoice</li>
          <li>Customers pay by card, Apple Pay or Google Pay</li>
          <li>Your dashboard marks it paid the moment it clears</li>
        </ul>
      </aside>
      <main className="auth-main" id="main">
        <div className="auth-card">
          <div className="auth-logo">
            <Logo />
          </div>
          <h1>{title}</h1>
          {subtitle && <p className="muted">{subtitle}</p>}
          {children}
        </div>
        {footer && <p className="auth-footer">{footer}</p>}
      </main>
    </div>
  );
}

function safeNext(next: string | null): string {
  // Only paths of this app: never an absolute URL someone put in the link.
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function LoginPage() {
  const { search, navigate } = useRouter();
  const { refresh } = useSession();
  const [email, setEmail] = useState(search.get('email') ?? '');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const ok = await run(async () => {
      await accounts.login(email.trim(), password);
      return refresh();
    });
    if (ok) navigate(safeNext(search.get('next')), { replace: true });
  }

  return (
    <AuthLayout
      title="Log in"
      subtitle="Welcome back. Your invoices are waiting."
      footer={
        <>
          New to OraServ? <Link to="/signup">Create an account</Link>
        </>
      }
    >
      {search.get('expired') && !error && <Alert tone="info">Your session ended. Log in again to continue.</Alert>}
      {search.get('joined') && !error && <Alert tone="success">You're in. Log in with your new password.</Alert>}
      {error && !error.field('email') && !error.field('password') && <Alert tone="error">{error.summary}</Alert>}
      <form onSubmit={submit} className="form" noValidate>
        <TextField label="Email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} error={error?.field('email')} />
        <TextField
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={error?.field('password')}
        />
        <Button type="submit" busy={busy} size="lg" className="btn-block">
          Log in
        </Button>
      </form>
    </AuthLayout>
  );
}

export function SignupPage() {
  const { navigate } = useRouter();
  const { refresh } = useSession();
  const [form, setForm] = useState({
    businessName: '',
    email: '',
    password: '',
    currency: 'USD',
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
  });
  const { busy, error, run } = useAction();
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value });

  async function submit(event: FormEvent) {
    event.preventDefault();
    const ok = await run(async () => {
      await accounts.register({ ...form, businessName: form.businessName.trim(), email: form.email.trim() });
      await accounts.login(form.email.trim(), form.password);
      return refresh();
    });
    if (ok) navigate('/?welcome=1', { replace: true });
  }

  const fieldError = (name: string) => error?.field(name);
  const general = error && !['businessname', 'email', 'password', 'currency', 'timezone'].some((f) => error.fieldErrors[f]);

  return (
    <AuthLayout
      title="Start getting paid faster"
      subtitle="Create your business account. It takes a minute."
      footer={
        <>
          Already have an account? <Link to="/login">Log in</Link>
        </>
      }
    >
      {general && <Alert tone="error">{error.summary}</Alert>}
      <form onSubmit={submit} className="form" noValidate>
        <TextField label="Business name" autoComplete="organization" required value={form.businessName} onChange={set('businessName')} error={fieldError('businessName')} />
        <TextField label="Work email" type="email" autoComplete="email" required value={form.email} onChange={set('email')} error={fieldError('email')} />
        <TextField
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          minLength={10}
          value={form.password}
          onChange={set('password')}
          hint="At least 10 characters, with a lowercase letter and a digit."
          error={fieldError('password')}
        />
        <div className="form-row">
          <SelectField label="Currency" value={form.currency} onChange={set('currency')} error={fieldError('currency')}>
            {currencies.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </SelectField>
          <TextField label="Time zone" value={form.timeZone} onChange={set('timeZone')} error={fieldError('timeZone')} hint="Decides when an invoice is overdue." />
        </div>
        <Button type="submit" busy={busy} size="lg" className="btn-block">
          Create account
        </Button>
      </form>
    </AuthLayout>
  );
}

export function AcceptInvitationPage() {
  const { search, navigate } = useRouter();
  const token = search.get('token') ?? '';
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const member = await run(() => accounts.accept(token, password));
    if (member) navigate(`/login?joined=1&email=${encodeURIComponent(member.email)}`, { replace: true });
  }

  return (
    <AuthLayout title="Join your team" subtitle="Choose a password to finish setting up your account.">
      {!token && <Alert tone="error">This invitation link is incomplete. Ask for a new one.</Alert>}
      {error && !error.field('password') && <Alert tone="error">{error.field('token') ?? error.summary}</Alert>}
      <form onSubmit={submit} className="form" noValidate>
        <TextField
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          hint="At least 10 characters, with a lowercase letter and a digit."
          error={error?.field('password')}
        />
        <Button type="submit" busy={busy} size="lg" className="btn-block" disabled={!token}>
          Join
        </Button>
      </form>
    </AuthLayout>
  );
}
