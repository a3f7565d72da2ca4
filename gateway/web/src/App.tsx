import { lazy, Suspense, useEffect } from 'react';
import { Router, match, useRouter } from './router';
import { SessionProvider } from './session';
import { Loading } from './components/ui';

// Two bundles: customers opening a pay link load the pay page (and Stripe's code, when live) only.
const PayPage = lazy(() => import('./pages/Pay'));
const SignedInRoutes = lazy(() => import('./SignedIn'));

export function App() {
  return (
    <Router>
      <Routes />
    </Router>
  );
}

function Routes() {
  const { path } = useRouter();

  const pay = match('/pay/:token', path);
  if (pay) {
    return (
      <Suspense fallback={<Loading label="Loading your invoice" />}>
        <PayPage token={pay.token} />
      </Suspense>
    );
  }

  return (
    <SessionProvider>
      <Title path={path} />
      <Suspense fallback={<Loading />}>
        <SignedInRoutes path={path} />
      </Suspense>
    </SessionProvider>
  );
}

const titles: [string, string][] = [
  ['/login', 'Log in'],
  ['/signup', 'Sign up'],
  ['/accept-invitation', 'Join your team'],
  ['/jobs', 'Jobs'],
  ['/invoices', 'Invoices'],
  ['/clients', 'Clients'],
  ['/settings', 'Settings'],
];

function Title({ path }: { path: string }) {
  useEffect(() => {
    const found = titles.find(([prefix]) => path === prefix || path.startsWith(`${prefix}/`));
    document.title = `${found ? found[1] : 'Dashboard'} · OraServ`;
  }, [path]);
  return null;
}
