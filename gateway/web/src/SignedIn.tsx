import { useEffect, type ReactNode } from 'react';
import { match, useRouter } from './router';
import { useSession } from './session';
import { LiveProvider } from './live';
import { Shell } from './components/Shell';
import { Loading } from './components/ui';
import { LoginPage, SignupPage, AcceptInvitationPage } from './pages/Auth';
import { DashboardPage } from './pages/Dashboard';
import { JobsPage, NewJobPage, JobPage } from './pages/Jobs';
import { ClientPage, ClientsPage } from './pages/Clients';
import { InvoicesPage } from './pages/Invoices';
import { InvoicePage } from './pages/Invoice';
import { AutomationsPage, AutomationRulePage } from './pages/Automations';
import { SettingsPage } from './pages/Settings';
import { NotFoundPage } from './pages/NotFound';

/** Everything behind sign-in (and the sign-in pages): a separate bundle from the customer's pay page. */
export default function SignedInRoutes({ path }: { path: string }) {
  const { me, loading, expired } = useSession();
  const { navigate, search } = useRouter();

  if (path === '/login') return <LoginPage />;
  if (path === '/signup') return <SignupPage />;
  if (path === '/accept-invitation') return <AcceptInvitationPage />;

  if (loading) return <Loading />;
  if (!me) {
    const next = path + (search.toString() ? `?${search}` : '');
    return <Redirect to={`/login?next=${encodeURIComponent(next)}${expired ? '&expired=1' : ''}`} navigate={navigate} />;
  }

  let page: ReactNode;
  let params: Record<string, string> | null;
  if (path === '/' && me.role === 'technician') return <Redirect to="/jobs" navigate={navigate} />;
  if (path === '/') page = <DashboardPage />;
  else if (path === '/jobs') page = <JobsPage />;
  else if (path === '/jobs/new') page = <NewJobPage />;
  else if ((params = match('/jobs/:id', path))) page = <JobPage id={params.id} />;
  else if (path === '/clients') page = <ClientsPage />;
  else if ((params = match('/clients/:id', path))) page = <ClientPage id={params.id} />;
  else if (path === '/invoices') page = <InvoicesPage />;
  else if ((params = match('/invoices/:id', path))) page = <InvoicePage id={params.id} />;
  else if (path === '/automations') page = <AutomationsPage />;
  else if (path === '/automations/new') page = <AutomationRulePage />;
  else if ((params = match('/automations/:id', path))) page = <AutomationRulePage id={params.id} />;
  else if (path === '/settings' || path.startsWith('/settings/')) page = <SettingsPage />;
  else page = <NotFoundPage />;

  return (
    <LiveProvider>
      <Shell>{page}</Shell>
    </LiveProvider>
  );
}

function Redirect({ to, navigate }: { to: string; navigate: (to: string, o?: { replace?: boolean }) => void }) {
  useEffect(() => navigate(to, { replace: true }), [to, navigate]);
  return null;
}
