import {
  useCallback,
  useEffect,
  useId,
  useRef,
  useState,
  type ButtonHTMLAttributes,
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
} from 'react';
import { ApiError, type Invoice } from '../api';

type Variant = 'primary' | 'secondary' | 'ghost' | 'danger';

export function Button({
  variant = 'primary',
  busy = false,
  size,
  className = '',
  children,
  disabled,
  ...rest
}: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: Variant; busy?: boolean; size?: 'sm' | 'lg' }) {
  return (
    <button
      type="button"
      className={`btn btn-${variant}${size ? ` btn-${size}` : ''} ${className}`}
      disabled={disabled || busy}
      aria-busy={busy || undefined}
      {...rest}
    >
      {busy && <span className="spinner" aria-hidden="true" />}
      <span>{children}</span>
    </button>
  );
}

interface FieldProps {
  label: string;
  error?: string;
  hint?: ReactNode;
  children: (props: { id: string; 'aria-invalid'?: boolean; 'aria-describedby'?: string }) => ReactNode;
  className?: string;
}

/** A label, its control, a hint and an error message, wired for screen readers. */
export function Field({ label, error, hint, children, className = '' }: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field ${error ? 'field-invalid' : ''} ${className}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy })}
      {hint && (
        <p className="field-hint" id={hintId}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      )}
    </div>
  );
}

export function TextField({
  label,
  error,
  hint,
  className,
  ...input
}: InputHTMLAttributes<HTMLInputElement> & { label: string; error?: string; hint?: ReactNode }) {
  return (
    <Field label={label} error={error} hint={hint} className={className}>
      {(props) => <input {...props} {...input} />}
    </Field>
  );
}

export function SelectField({
  label,
  error,
  hint,
  className,
  children,
  ...select
}: SelectHTMLAttributes<HTMLSelectElement> & { label: string; error?: string; hint?: ReactNode }) {
  return (
    <Field label={label} error={error} hint={hint} className={className}>
      {(props) => (
        <select {...props} {...select}>
          {children}
        </select>
      )}
    </Field>
  );
}

export function TextAreaField({
  label,
  error,
  hint,
  className,
  ...area
}: TextareaHTMLAttributes<HTMLTextAreaElement> & { label: string; error?: string; hint?: ReactNode }) {
  return (
    <Field label={label} error={error} hint={hint} className={className}>
      {(props) => <textarea {...props} {...area} />}
    </Field>
  );
}

const statusLabels: Record<string, string> = {
  draft: 'Draft',
  open: 'Open',
  overdue: 'Overdue',
  paid: 'Paid',
  void: 'Void',
  scheduled: 'Scheduled',
  in_progress: 'In progress',
  completed: 'Completed',
  cancelled: 'Cancelled',
  not_connected: 'Not connected',
  onboarding: 'Onboarding',
  active: 'Active',
  restricted: 'Restricted',
  sent: 'Sent',
  delivered: 'Delivered',
  pending: 'Pending',
  failed: 'Failed',
  queued: 'Queued',
};

export function StatusChip({ status, className = '' }: { status: string; className?: string }) {
  return (
    <span className={`chip chip-${status} ${className}`} data-status={status}>
      {statusLabels[status] ?? status.replace(/_/g, ' ')}
    </span>
  );
}

/** An invoice's status, and "Disputed" beside it once a chargeback was opened on it. */
export function InvoiceChips({ invoice, className = '' }: { invoice: Pick<Invoice, 'status' | 'disputed' | 'disputeStatus'>; className?: string }) {
  return (
    <>
      <StatusChip status={invoice.status} className={className} />
      {invoice.disputed && (
        <>
          {' '}
          <DisputedBadge disputeStatus={invoice.disputeStatus} className={className} />
        </>
      )}
    </>
  );
}

/** A chargeback on the invoice, in words (not only colour): "Disputed", and the decision once Stripe has made it. */
export function DisputedBadge({ disputeStatus, className = '' }: { disputeStatus?: string | null; className?: string }) {
  const decided = disputeStatus === 'won' || disputeStatus === 'lost' ? disputeStatus : null;
  return (
    <span className={`chip chip-disputed ${className}`} data-testid="disputed-badge">
      Disputed{decided && <> · {decided}</>}
    </span>
  );
}

export function Alert({ tone = 'error', title, children, action }: { tone?: 'error' | 'success' | 'info' | 'warning'; title?: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className={`alert alert-${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      <div>
        {title && <p className="alert-title">{title}</p>}
        {children && <div className="alert-body">{children}</div>}
      </div>
      {action}
    </div>
  );
}

export function ErrorAlert({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const message = error instanceof ApiError ? error.summary : 'Something went wrong.';
  return (
    <Alert
      tone="error"
      title={error instanceof ApiError && error.status === 404 ? 'Not found' : "That didn't work"}
      action={onRetry && <Button variant="secondary" size="sm" onClick={onRetry}>Try again</Button>}
    >
      {message}
    </Alert>
  );
}

export function Card({ title, actions, children, className = '', id }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string; id?: string }) {
  const headingId = useId();
  return (
    <section className={`card ${className}`} aria-labelledby={title ? headingId : undefined} id={id}>
      {(title || actions) && (
        <header className="card-header">
          {title && <h2 id={headingId}>{title}</h2>}
          {actions && <div className="card-actions">{actions}</div>}
        </header>
      )}
      {children}
    </section>
  );
}

export function PageHeader({ title, subtitle, actions, back }: { title: ReactNode; subtitle?: ReactNode; actions?: ReactNode; back?: ReactNode }) {
  return (
    <div className="page-header">
      <div>
        {back}
        <h1>{title}</h1>
        {subtitle && <p className="page-subtitle">{subtitle}</p>}
      </div>
      {actions && <div className="page-actions">{actions}</div>}
    </div>
  );
}

export function Loading({ label = 'Loading' }: { label?: string }) {
  return (
    <div className="loading" role="status">
      <span className="spinner spinner-lg" aria-hidden="true" />
      <span>{label}…</span>
    </div>
  );
}

export function Empty({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children && <p>{children}</p>}
      {action}
    </div>
  );
}

/** A modal built on <dialog>: focus is trapped and Escape closes it. */
export function Dialog({ open, title, onClose, children }: { open: boolean; title: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  const headingId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog ref={ref} className="dialog" aria-labelledby={headingId} onClose={onClose} onCancel={onClose}>
      <div className="dialog-body">
        <h2 id={headingId}>{title}</h2>
        {open && children}
      </div>
    </dialog>
  );
}

/** Loads data for a page: the value, the error, and a reload. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data: T | undefined; error: unknown; loading: boolean; reload: () => void; set: (value: T) => void } {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let cancelled = false;
    setLoading(true);
    load().then(
      (value) => {
        if (cancelled) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (reason) => {
        if (cancelled) return;
        setError(reason);
        setLoading(false);
      },
    );
    return () => {
      cancelled = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, version]);
  const reload = useCallback(() => setVersion((v) => v + 1), []);
  return { data, error, loading, reload, set: setData };
}

/** Runs an action, keeping its busy state and error for the form that started it. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const run = useCallback(async <T,>(action: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await action();
    } catch (reason) {
      setError(reason instanceof ApiError ? reason : new ApiError({ status: 500, detail: String(reason) }));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, setError };
}

/**
 * A switch that saves as soon as it moves: it shows the new position at once, goes back to the saved one if the save
 * fails (the error is kept), and puts a sentence for screen readers in `announcement` once the save is done.
 */
export function useSavedSwitch<T>(saved: boolean, save: (on: boolean) => Promise<T>, announce: (result: T) => string) {
  const [pending, setPending] = useState<boolean | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const action = useAction();

  async function flip(on: boolean) {
    if (action.busy) return;
    setPending(on);
    setAnnouncement('');
    const result = await action.run(() => save(on));
    setPending(null);
    if (result !== undefined) setAnnouncement(announce(result));
  }

  return { on: pending ?? saved, flip, busy: action.busy, error: action.error, announcement };
}
