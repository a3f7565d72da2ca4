import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { ApiError, payments, type PayIntent, type PayView } from '../api';
import { cardLabel, day, kindLabels, moment, money } from '../format';
import { Button, Loading } from '../components/ui';

// Stripe's own code loads only for a live publishable key, and only once the customer chooses to pay.
const StripeCheckout = lazy(() => import('./StripeCheckout'));

/** The key the local run hands out when the Stripe emulator stands in for Stripe: Stripe.js cannot use it. */
const emulatorKey = 'pk_test_oraserv_local';

type Phase =
  | { kind: 'ready' }
  | { kind: 'starting' }
  | { kind: 'card'; intent: PayIntent }
  | { kind: 'processing'; slow: boolean }
  | { kind: 'declined'; message: string }
  | { kind: 'error'; message: string };

export default function PayPage({ token }: { token: string }) {
  const [view, setView] = useState<PayView | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [phase, setPhase] = useState<Phase>(() => phaseFromReturn());

  const load = useCallback(async () => {
    try {
      const value = await payments.payView(token);
      setView(value);
      setLoadError(null);
      return value;
    } catch (error) {
      setLoadError(error instanceof ApiError ? error : new ApiError({ status: 500 }));
      return null;
    }
  }, [token]);

  useEffect(() => {
    // Stripe (or the emulator) came back here with the outcome in the query: read it, then drop the secret from the URL.
    if (new URLSearchParams(window.location.search).has('redirect_status')) {
      window.history.replaceState(null, '', window.location.pathname);
    }
    void load();
  }, [load]);

  useEffect(() => {
    if (view?.businessName) document.title = `Pay ${view.businessName} · invoice ${view.invoiceNumber}`;
  }, [view]);

  // After a successful confirmation the invoice turns paid when Stripe's webhook has been processed: wait for it.
  useEffect(() => {
    if (phase.kind !== 'processing') return;
    if (view?.status === 'paid') return;
    let tries = 0;
    const timer = window.setInterval(async () => {
      tries++;
      const value = await load();
      if (value?.status === 'paid' || value?.status === 'void') window.clearInterval(timer);
      else if (tries === 20) setPhase({ kind: 'processing', slow: true });
      else if (tries > 120) window.clearInterval(timer);
    }, 1000);
    return () => window.clearInterval(timer);
  }, [phase.kind, view?.status, load]);

  async function pay() {
    if (!view) return;
    setPhase({ kind: 'starting' });
    let intent: PayIntent;
    try {
      intent = await payments.intent(token);
    } catch (error) {
      const message = error instanceof ApiError ? error.summary : 'The payment could not be started.';
      setPhase({ kind: 'error', message });
      void load();
      return;
    }
    if (intent.testCardFormUrl) {
      const returnUrl = `${window.location.origin}/pay/${encodeURIComponent(token)}`;
      const url = new URL(intent.testCardFormUrl);
      url.searchParams.set('return_url', returnUrl);
      window.location.assign(url.toString());
      return;
    }
    if (!intent.publishableKey || intent.publishableKey === emulatorKey) {
      setPhase({ kind: 'error', message: 'Online payment is not configured for this business yet.' });
      return;
    }
    setPhase({ kind: 'card', intent });
  }

  if (loadError) {
    return (
      <PayFrame>
        <div className="pay-card pay-state" role="alert">
          <h1>{loadError.status === 404 ? 'This payment link is not valid' : 'This page could not load'}</h1>
          <p>{loadError.status === 404 ? 'Check the link in your email, or contact the business that sent it.' : loadError.summary}</p>
          {loadError.status !== 404 && <Button onClick={() => void load()}>Try again</Button>}
        </div>
      </PayFrame>
    );
  }
  if (!view) {
    return (
      <PayFrame>
        <Loading label="Loading your invoice" />
      </PayFrame>
    );
  }

  const isPaid = view.status === 'paid';
  const isVoid = view.status === 'void';

  return (
    <PayFrame business={view.businessName}>
      {/* After a payment attempt, its outcome comes first on a phone screen. */}
      <div className={`pay-grid ${isPaid || isVoid || ['processing', 'declined', 'error'].includes(phase.kind) ? 'pay-grid-outcome' : ''}`}>
        <section className="pay-card pay-summary" aria-labelledby="pay-title">
          <p className="pay-eyebrow">Invoice {view.invoiceNumber}</p>
          <h1 id="pay-title" className="sr-only">
            Invoice {view.invoiceNumber} from {view.businessName}
          </h1>
          <div className="pay-amount-block">
            <p className="pay-amount-label">{isPaid ? 'You paid' : 'Amount due'}</p>
            <p className="pay-amount" data-testid="pay-amount">
              {money(isPaid ? view.amountPaid : view.amountDue, view.currency)}
            </p>
            {isPaid && <p className="pay-due pay-due-paid">Paid in full</p>}
            {isVoid && <p className="pay-due">Void: nothing to pay</p>}
            {!isPaid && !isVoid && (
              <p className={`pay-due ${view.status === 'overdue' ? 'pay-due-late' : ''}`}>
                {view.status === 'overdue' ? 'Overdue since ' : 'Due '}
                {day(view.dueDate)}
              </p>
            )}
            {!isPaid && !isVoid && view.amountPaid > 0 && (
              <p className="pay-paid-so-far">
                {money(view.amountPaid, view.currency)} of {money(view.total, view.currency)} already paid
              </p>
            )}
          </div>
          <details className="pay-lines" open={view.lines.length <= 4}>
            <summary>
              {view.lines.length} item{view.lines.length === 1 ? '' : 's'}
            </summary>
            <ul>
              {view.lines.map((line, i) => (
                <li key={i}>
                  <span>
                    {line.description}
                    <span className="line-kind">
                      {kindLabels[line.kind] ?? line.kind}
                      {line.quantity !== 1 ? ` · ${line.quantity}${line.kind === 'labor' ? ' h' : ''} × ${money(line.unitPrice, view.currency)}` : ''}
                    </span>
                  </span>
                  <span className="num">{money(line.amount, view.currency)}</span>
                </li>
              ))}
            </ul>
          </details>
          <dl className="pay-totals">
            {view.tax !== 0 && (
              <>
                <div>
                  <dt>Subtotal</dt>
                  <dd className="num">{money(view.subtotal, view.currency)}</dd>
                </div>
                <div>
                  <dt>Tax</dt>
                  <dd className="num">{money(view.tax, view.currency)}</dd>
                </div>
              </>
            )}
            <div className="pay-totals-total">
              <dt>Total</dt>
              <dd className="num">{money(view.total, view.currency)}</dd>
            </div>
          </dl>
          <a
            className="btn btn-secondary btn-block"
            href={view.pdfUrl}
            download={`${view.invoiceNumber}.pdf`}
            aria-label={`Download PDF of invoice ${view.invoiceNumber}`}
          >
            <svg className="btn-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
              <path fill="currentColor" d="M12 3a1 1 0 0 1 1 1v9.6l3.3-3.3 1.4 1.4L12 17.4l-5.7-5.7 1.4-1.4 3.3 3.3V4a1 1 0 0 1 1-1zM5 19h14v2H5z" />
            </svg>
            Download PDF
          </a>
        </section>

        <section className="pay-card pay-action" aria-live="polite" data-testid="pay-state" data-phase={isPaid ? 'paid' : isVoid ? 'void' : phase.kind}>
          {isPaid ? (
            <div className="pay-state pay-paid">
              <div className="pay-check" aria-hidden="true">
                ✓
              </div>
              <h2>Paid - thank you</h2>
              <p>
                {view.businessName} has received your payment for invoice {view.invoiceNumber}. A receipt is on its way by email.
              </p>
              <Receipt view={view} />
            </div>
          ) : isVoid ? (
            <div className="pay-state">
              <h2>This invoice was voided</h2>
              <p>There is nothing to pay. If you think this is a mistake, contact {view.businessName}.</p>
            </div>
          ) : phase.kind === 'processing' ? (
            <div className="pay-state">
              <span className="spinner spinner-lg" aria-hidden="true" />
              <h2>Processing your payment…</h2>
              <p>{phase.slow ? 'This is taking longer than usual. You can close this page: the business is notified when the payment clears.' : 'This takes a few seconds. Please keep this page open.'}</p>
            </div>
          ) : phase.kind === 'card' ? (
            <Suspense fallback={<Loading label="Loading secure card form" />}>
              <StripeCheckout
                intent={phase.intent}
                returnUrl={`${window.location.origin}/pay/${encodeURIComponent(token)}`}
                onProcessing={() => setPhase({ kind: 'processing', slow: false })}
                onDeclined={(message) => setPhase({ kind: 'declined', message })}
              />
            </Suspense>
          ) : (
            <div className="pay-state pay-ready">
              {phase.kind === 'declined' && (
                <div className="alert alert-error" role="alert">
                  <div>
                    <p className="alert-title">Your payment was declined</p>
                    <div className="alert-body">{phase.message} Nothing was charged. Try again, or use another card.</div>
                  </div>
                </div>
              )}
              {phase.kind === 'error' && (
                <div className="alert alert-error" role="alert">
                  <div className="alert-body">{phase.message}</div>
                </div>
              )}
              {view.canPay ? (
                <>
                  <Button size="lg" className="btn-block btn-pay" busy={phase.kind === 'starting'} onClick={pay}>
                    {phase.kind === 'declined' ? 'Try again' : `Pay ${money(view.amountDue, view.currency)}`}
                  </Button>
                  <p className="pay-methods">Card, Apple Pay or Google Pay</p>
                </>
              ) : (
                <p>{view.businessName} does not take online payments yet. Please contact them to pay this invoice.</p>
              )}
            </div>
          )}
        </section>
      </div>
    </PayFrame>
  );
}

function Receipt({ view }: { view: PayView }) {
  const card = cardLabel(view.paymentMethod);
  return (
    <section className="pay-receipt" aria-labelledby="receipt-title" data-testid="receipt">
      <h3 id="receipt-title">Receipt</h3>
      <dl>
        <div>
          <dt>Amount paid</dt>
          <dd className="num">{money(view.amountPaid, view.currency)}</dd>
        </div>
        {view.paidAt && (
          <div>
            <dt>Paid on</dt>
            <dd>
              <time dateTime={view.paidAt}>{moment(view.paidAt)}</time>
            </dd>
          </div>
        )}
        <div>
          <dt>Receipt number</dt>
          <dd>{view.invoiceNumber}</dd>
        </div>
        {card && (
          <div>
            <dt>Paid with</dt>
            <dd>{card}</dd>
          </div>
        )}
      </dl>
    </section>
  );
}

function phaseFromReturn(): Phase {
  const status = new URLSearchParams(window.location.search).get('redirect_status');
  if (status === 'succeeded' || status === 'processing') return { kind: 'processing', slow: false };
  if (status === 'failed') return { kind: 'declined', message: 'Your card was declined.' };
  return { kind: 'ready' };
}

function PayFrame({ business, children }: { business?: string; children: React.ReactNode }) {
  const initials = (business ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('');
  return (
    <div className="pay">
      <header className="pay-header">
        <div className="pay-brand">
          {business && (
            <span className="pay-avatar" aria-hidden="true">
              {initials}
            </span>
          )}
          <span className="pay-business">{business ?? ' '}</span>
        </div>
      </header>
      <main className="pay-main" id="main">
        {children}
      </main>
      <footer className="pay-footer">
        <p>
          <svg className="pay-lock" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <path fill="currentColor" d="M17 9h-1V7a4 4 0 0 0-8 0v2H7a2 2 0 0 0-2 2v9a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2v-9a2 2 0 0 0-2-2zm-7-2a2 2 0 0 1 4 0v2h-4V7zm3 9.7V18h-2v-1.3a2 2 0 1 1 2 0z" />
          </svg>{' '}
          Payments are processed securely by Stripe. Your card details never reach {business ?? 'the business'} or OraServ.
        </p>
        <p className="pay-powered">Invoicing by OraServ</p>
      </footer>
    </div>
  );
}
