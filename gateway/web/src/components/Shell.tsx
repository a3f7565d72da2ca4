import { useEffect, useState, type ReactNode } from 'react';
import { Link, useRouter } from '../router';
import { useSession } from '../session';
import { useLiveState } from '../live';

const nav = [
  { to: '/', label: 'Dashboard', icon: 'M3 13h8V3H3v10zm0 8h8v-6H3v6zm10 0h8V11h-8v10zm0-18v6h8V3h-8z' },
  { to: '/jobs', label: 'Jobs', icon: 'M20 7h-4V5a2 2 0 0 0-2-2h-4a2 2 0 0 0-2 2v2H4a2 2 0 0 0-2 2v10a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V9a2 2 0 0 0-2-2zM10 5h4v2h-4V5z' },
  { to: '/invoices', label: 'Invoices', icon: 'M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8l-6-6zm-1 7V3.5L18.5 9H13zM8 13h8v2H8v-2zm0 4h8v2H8v-2z' },
  { to: '/clients', label: 'Clients', icon: 'M16 11a4 4 0 1 0-4-4 4 4 0 0 0 4 4zm-8 0a3 3 0 1 0-3-3 3 3 0 0 0 3 3zm0 2c-2.7 0-8 1.3-8 4v3h8v-3c0-1.1.5-2.1 1.3-2.9A12 12 0 0 0 8 13zm8 0c-2.7 0-8 1.3-8 4v3h16v-3c0-2.7-5.3-4-8-4z' },
  { to: '/automations', label: 'Automations', icon: 'M13 2 4 14h7l-1 8 9-12h-7l1-8z' },
  { to: '/settings', label: 'Settings', icon: 'M19.4 13a7.6 7.6 0 0 0 0-2l2.1-1.6-2-3.5-2.5 1a7.3 7.3 0 0 0-1.7-1L15 3h-4l-.4 2.9a7.3 7.3 0 0 0-1.7 1l-2.5-1-2 3.5L6.6 11a7.6 7.6 0 0 0 0 2l-2.1 1.6 2 3.5 2.5-1a7.3 7.3 0 0 0 1.7 1L11 21h4l.4-2.9a7.3 7.3 0 0 0 1.7-1l2.5 1 2-3.5-2.2-1.6zM13 15.5a3.5 3.5 0 1 1 3.5-3.5 3.5 3.5 0 0 1-3.5 3.5z' },
];

export function Icon({ path, className = 'icon' }: { path: string; className?: string }) {
  return (
    <svg className={className} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d={path} fill="currentColor" />
    </svg>
  );
}

export function Logo({ name = 'OraServ' }: { name?: string }) {
  return (
    <span className="logo">
      <svg viewBox="0 0 32 32" aria-hidden="true" focusable="false">
        <rect width="32" height="32" rx="8" fill="currentColor" />
        <circle cx="16" cy="16" r="8" fill="none" stroke="#5eead4" strokeWidth="3.5" />
        <path d="M16 8V5" stroke="#5eead4" strokeWidth="3.5" strokeLinecap="round" />
      </svg>
      <span>{name}</span>
    </span>
  );
}

function LiveBadge() {
  const state = useLiveState();
  const label = { live: 'Live', connecting: 'Connecting', reconnecting: 'Reconnecting', offline: 'Offline' }[state];
  return (
    <span className={`live live-${state}`} data-testid="live-state" data-state={state} title="Live updates from payments">
      <span className="live-dot" aria-hidden="true" />
      {label}
    </span>
  );
}

export function Shell({ children }: { children: ReactNode }) {
  const { path } = useRouter();
  const { me, signOut } = useSession();
  const { navigate } = useRouter();
  const [menuOpen, setMenuOpen] = useState(false);

  useEffect(() => setMenuOpen(false), [path]);

  // Technicians work on jobs; invoices, clients, automations and settings are for owners and dispatchers.
  const items = me?.role === 'technician' ? nav.filter((item) => item.to === '/jobs') : nav;
  const active = (to: string) => (to === '/' ? path === '/' : path === to || path.startsWith(`${to}/`));

  return (
    <div className="shell">
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="topbar">
        <Link to="/" className="brand" aria-label="OraServ home">
          <Logo />
        </Link>
        <span className="topbar-business">{me?.businessName}</span>
        <LiveBadge />
        <button
          type="button"
          className="menu-button"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen((open) => !open)}
        >
          <Icon path={menuOpen ? 'M18.3 5.7 12 12l6.3 6.3-1.4 1.4L10.6 13.4 4.3 19.7l-1.4-1.4L9.2 12 2.9 5.7l1.4-1.4 6.3 6.3 6.3-6.3z' : 'M3 6h18v2H3V6zm0 5h18v2H3v-2zm0 5h18v2H3v-2z'} />
          <span className="sr-only">Menu</span>
        </button>
      </header>
      <nav id="main-nav" className={`sidenav ${menuOpen ? 'open' : ''}`} aria-label="Main">
        <Link to="/" className="brand sidenav-brand" aria-label="OraServ home">
          <Logo />
        </Link>
        <div className="sidenav-live">
          <LiveBadge />
        </div>
        <ul>
          {items.map((item) => (
            <li key={item.to}>
              <Link to={item.to} aria-current={active(item.to) ? 'page' : undefined}>
                <Icon path={item.icon} />
                {item.label}
              </Link>
            </li>
          ))}
        </ul>
        <div className="sidenav-footer">
          <p className="sidenav-business">{me?.businessName}</p>
          <p className="sidenav-user">
            <span className="email" title={me?.email}>
              {me?.email}
            </span>
            <span className="role">{me?.role}</span>
          </p>
          <button
            type="button"
            className="btn btn-ghost btn-sm"
            onClick={async () => {
              await signOut();
              navigate('/login', { replace: true });
            }}
          >
            Log out
          </button>
        </div>
      </nav>
      <main id="main" className="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
