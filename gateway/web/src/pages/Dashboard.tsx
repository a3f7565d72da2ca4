import { useState } from 'react';
import { ApiError, invoicing, payments, type Invoice, type Receivables } from '../api';
import { clientName, day, minutes, money, relative } from '../format';
import { useInvoiceUpdates, usePaymentFailures, useResync, type InvoiceUpdate, type PaymentFailure } from '../live';
import { Link, useRouter } from '../router';
import { useSession } from '../session';
import { Alert, Card, Empty, ErrorAlert, InvoiceChips, Loading, PageHeader, useLoad } from '../components/ui';

type FeedItem = { key: string; at: Date } & ({ update: InvoiceUpdate; failure?: never } | { failure: PaymentFailure; update?: never });

export function DashboardPage() {
  const { me } = useSession();
  const { search } = useRouter();
  const invoices = useLoad(async () => {
    const [open, overdue, paid] = await Promise.all([invoicing.list('open'), invoicing.list('overdue'), invoicing.list('paid')]);
    return { waiting: [...overdue, ...open], paid: paid.slice(0, 5) };
  }, []);
  const report = useLoad(async () => {
    try {
      return await invoicing.receivables();
    } catch (error) {
      // No reporting endpoint yet: the figures are Invoicing's to compute, never the browser's.
      if (error instanceof ApiError && (error.status === 404 || error.status === 405)) return null;
      throw error;
    }
  }, []);
  const stripe = useLoad(() => payments.account().catch(() => null), []);
  const [feed, setFeed] = useState<FeedItem[]>([]);
  const [flash, setFlash] = useState<Record<string, number>>({});

  useInvoiceUpdates((update) => {
    // Delivery is at least once: the same state pushed twice is one line in the feed.
    setFeed((items) => {
      const same = items.find((i) => i.update?.invoiceId === update.invoiceId)?.update;
      if (same && same.status === update.status && same.amountPaid === update.amountPaid) return items;
      return [{ key: `${update.invoiceId}-${Date.now()}`, update, at: new Date() }, ...items].slice(0, 20);
    });
    setFlash((f) => ({ ...f, [update.invoiceId]: Date.now() }));
    if (invoices.data) {
      const apply = (i: Invoice) => (i.id === update.invoiceId ? { ...i, status: update.status, amountDue: update.amountDue, amountPaid: update.amountPaid } : i);
      const known = invoices.data.waiting.some((i) => i.id === update.invoiceId);
      invoices.set({ ...invoices.data, waiting: invoices.data.waiting.map(apply) });
      if (!known) invoices.reload();
    }
    report.reload();
  });
  usePaymentFailures((failure) => {
    // A redelivered failure comes with the same id: one line.
    setFeed((items) => (items.some((i) => i.failure?.id === failure.id) ? items : [{ key: failure.id, failure, at: new Date() }, ...items].slice(0, 20)));
  });
  useResync(() => {
    invoices.reload();
    report.reload();
  });

  return (
    <>
      <PageHeader
        title="Dashboard"
        subtitle={me?.businessName}
        actions={
          <>
            <Link className="btn btn-secondary" to="/jobs/new">
              New job
            </Link>
            <Link className="btn btn-primary" to="/invoices?status=open">
              Open invoices
            </Link>
          </>
        }
      />

      {search.get('welcome') && <Alert tone="success" title={`Welcome to OraServ, ${me?.businessName}`}>Three steps to your first payment: connect Stripe, add a job, invoice it.</Alert>}
      {stripe.data && stripe.data.status !== 'active' && (
        <Alert
          tone="warning"
          title="Customers cannot pay online yet"
          action={
            <Link className="btn btn-primary btn-sm" to="/settings/integrations">
              Connect Stripe
            </Link>
          }
        >
          Connect your Stripe account so your invoices carry a Pay Now button.
        </Alert>
      )}

      <ReceivablesPanel report={report.data} loading={report.loading} error={report.error} currency={me?.currency ?? 'USD'} />

      <div className="grid-2">
        <Card
          title="Open invoices"
          actions={
            <Link to="/invoices" className="link">
              All invoices
            </Link>
          }
        >
          {invoices.loading && !invoices.data && <Loading />}
          {invoices.error ? <ErrorAlert error={invoices.error} onRetry={invoices.reload} /> : null}
          {invoices.data && invoices.data.waiting.length === 0 && (
            <Empty title="Nothing outstanding">Sent invoices show here; when one is paid it turns PAID right here.</Empty>
          )}
          {invoices.data && invoices.data.waiting.length > 0 && (
            <ul className="list" data-testid="waiting-invoices">
              {invoices.data.waiting.map((invoice) => (
                <li key={invoice.id} className={`list-row ${flash[invoice.id] ? 'flash' : ''}`} data-invoice-id={invoice.id} data-testid="dashboard-invoice">
                  <Link to={`/invoices/${invoice.id}`} className="list-main">
                    <span className="list-title">{invoice.number ?? 'Draft'}</span>
                    <span className="list-sub">
                      {clientName(invoice.client)} · due {day(invoice.dueDate)}
                    </span>
                  </Link>
                  <div className="list-end">
                    <span className="amount">{money(invoice.status === 'paid' ? invoice.amountPaid : invoice.amountDue, invoice.currency)}</span>
                    <InvoiceChips invoice={invoice} />
                  </div>
                </li>
              ))}
            </ul>
          )}
        </Card>

        <Card title="Live activity" actions={<span className="muted small">Updates as payments clear</span>}>
          {feed.length === 0 && (invoices.data?.paid.length ?? 0) === 0 && (
            <Empty title="No payments yet today">When a customer pays, it appears here the moment Stripe confirms it.</Empty>
          )}
          <ol className="feed" aria-live="polite" data-testid="live-feed">
            {feed.map((item) =>
              item.failure ? (
                <li key={item.key} className="feed-item" data-testid="payment-failed">
                  <span className="feed-dot feed-failed" aria-hidden="true" />
                  <div>
                    <p>
                      <Link to={`/invoices/${item.failure.invoiceId}`}>{item.failure.number ?? 'Invoice'}</Link>: a payment of{' '}
                      {money(item.failure.amount, item.failure.currency)} failed
                      {item.failure.reason && <> · {item.failure.reason}</>}
                    </p>
                    <p className="muted small">{relative(item.at)}</p>
                  </div>
                </li>
              ) : (
                <li key={item.key} className="feed-item">
                  <span className={`feed-dot feed-${item.update.status}`} aria-hidden="true" />
                  <div>
                    <p>
                      <Link to={`/invoices/${item.update.invoiceId}`}>{item.update.number ?? 'Invoice'}</Link>{' '}
                      {item.update.status === 'paid' ? 'was paid' : `is now ${item.update.status}`}
                      {item.update.status === 'paid' && item.update.currency && <> · {money(item.update.amountPaid, item.update.currency)}</>}
                    </p>
                    <p className="muted small">{relative(item.at)}</p>
                  </div>
                </li>
              ),
            )}
            {invoices.data?.paid.map((invoice) => (
              <li key={invoice.id} className="feed-item">
                <span className="feed-dot feed-paid" aria-hidden="true" />
                <div>
                  <p>
                    <Link to={`/invoices/${invoice.id}`}>{invoice.number}</Link> was paid · {money(invoice.amountPaid, invoice.currency)}
                  </p>
                  <p className="muted small">{invoice.paidAt ? relative(invoice.paidAt) : ''}</p>
                </div>
              </li>
            ))}
          </ol>
        </Card>
      </div>
    </>
  );
}

function ReceivablesPanel({ report, loading, error, currency }: { report: Receivables | null | undefined; loading: boolean; error: unknown; currency: string }) {
  if (loading && report === undefined) {
    return (
      <section className="figures" aria-label="Receivables">
        <Loading label="Loading figures" />
      </section>
    );
  }
  if (error) return <ErrorAlert error={error} />;
  if (!report) {
    return (
      <section className="figures figures-pending" aria-label="Receivables" data-testid="receivables-slot">
        <div className="figure-placeholder">
          <p className="figure-placeholder-title">Receivables figures</p>
          <p>
            Outstanding, overdue, collected this week, median time from job completed to paid, and aging appear here once
            reporting is enabled for your account.
          </p>
        </div>
      </section>
    );
  }
  const c = report.currency || currency;
  const aging = [
    { label: '0–30 days', value: report.aging.days0To30 },
    { label: '31–60 days', value: report.aging.days31To60 },
    { label: '61–90 days', value: report.aging.days61To90 },
    { label: '90+ days', value: report.aging.days90Plus },
  ];
  const max = Math.max(...aging.map((a) => a.value), 1);
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return (
    <section className="figures" aria-label="Receivables" data-testid="receivables">
      <div className="figure">
        <p className="figure-label">Outstanding</p>
        <p className="figure-value" data-testid="figure-outstanding">{money(report.outstanding, c)}</p>
        <p className="figure-sub">{count(report.openCount, 'open invoice')}</p>
      </div>
      <div className={`figure ${report.overdue > 0 ? 'figure-alert' : ''}`}>
        <p className="figure-label">Overdue</p>
        <p className="figure-value" data-testid="figure-overdue">{money(report.overdue, c)}</p>
        <p className="figure-sub">{count(report.overdueCount, 'invoice')}</p>
      </div>
      <div className="figure figure-good">
        <p className="figure-label">Collected this week</p>
        <p className="figure-value" data-testid="figure-collected">{money(report.collectedThisWeek, c)}</p>
      </div>
      <div className="figure">
        <p className="figure-label">Job done → paid</p>
        <p className="figure-value" data-testid="figure-median">{minutes(report.medianMinutesCompletedToPaid)}</p>
        <p className="figure-sub">median, {count(report.paidLast90Days, 'paid invoice')} in 90 days</p>
      </div>
      <figure className="aging">
        <figcaption>Aging of open invoices</figcaption>
        <table className="aging-table">
          <tbody>
            {aging.map((bucket) => (
              <tr key={bucket.label}>
                <th scope="row">{bucket.label}</th>
                <td>
                  {bucket.value > 0 && <span className="bar" style={{ width: `${(bucket.value / max) * 100}%` }} aria-hidden="true" />}
                </td>
                <td className="num">{money(bucket.value, c)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </figure>
    </section>
  );
}
