import { useMemo, useState } from 'react';
import { invoicing, type InvoiceStatus } from '../api';
import { clientName, day, money } from '../format';
import { useInvoiceUpdates, useResync } from '../live';
import { Link, useRouter } from '../router';
import { Card, Empty, ErrorAlert, InvoiceChips, Loading, PageHeader, useLoad } from '../components/ui';

const filters: { value: InvoiceStatus | ''; label: string }[] = [
  { value: '', label: 'All' },
  { value: 'draft', label: 'Draft' },
  { value: 'open', label: 'Open' },
  { value: 'overdue', label: 'Overdue' },
  { value: 'paid', label: 'Paid' },
  { value: 'void', label: 'Void' },
];

export function InvoicesPage() {
  const { search, navigate } = useRouter();
  const status = (search.get('status') ?? '') as InvoiceStatus | '';
  const [query, setQuery] = useState('');
  const list = useLoad(() => invoicing.list(status || undefined), [status]);

  useInvoiceUpdates((update) => {
    if (!list.data) return;
    list.set(list.data.map((i) => (i.id === update.invoiceId ? { ...i, status: update.status, amountDue: update.amountDue, amountPaid: update.amountPaid } : i)));
  });
  useResync(list.reload);

  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!list.data || !q) return list.data;
    return list.data.filter((i) => `${i.number ?? ''} ${clientName(i.client)} ${i.jobTitle ?? ''}`.toLowerCase().includes(q));
  }, [list.data, query]);

  return (
    <>
      <PageHeader title="Invoices" subtitle="Drafts come from completed jobs: open a job and press Invoice Job." />
      <div className="toolbar">
        <div className="segmented" role="group" aria-label="Filter by status">
          {filters.map((f) => (
            <button key={f.value} type="button" aria-pressed={status === f.value} onClick={() => navigate(f.value ? `/invoices?status=${f.value}` : '/invoices', { replace: true })}>
              {f.label}
            </button>
          ))}
        </div>
        <div className="search">
          <label htmlFor="invoice-search" className="sr-only">
            Search invoices
          </label>
          <input id="invoice-search" type="search" placeholder="Number, client or job" value={query} onChange={(e) => setQuery(e.target.value)} />
        </div>
      </div>
      <Card>
        {list.loading && !list.data && <Loading />}
        {list.error ? <ErrorAlert error={list.error} onRetry={list.reload} /> : null}
        {shown && shown.length === 0 && (
          <Empty title={status || query ? 'No invoices match' : 'No invoices yet'}>
            {status || query ? 'Try another filter.' : <>Complete a job, then press Invoice Job. <Link to="/jobs">Go to jobs</Link></>}
          </Empty>
        )}
        {shown && shown.length > 0 && (
          <div className="table-wrap">
            <table className="table table-rows">
              <thead>
                <tr>
                  <th scope="col">Invoice</th>
                  <th scope="col" className="hide-sm">
                    Client
                  </th>
                  <th scope="col" className="hide-sm">
                    Due
                  </th>
                  <th scope="col" className="num">
                    Total
                  </th>
                  <th scope="col" className="num">
                    Due now
                  </th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((invoice) => (
                  <tr key={invoice.id} data-testid="invoice-row" data-invoice-id={invoice.id}>
                    <td>
                      <Link to={`/invoices/${invoice.id}`} className="row-link">
                        {invoice.number ?? 'Draft'}
                      </Link>
                      <span className="line-kind">{invoice.jobTitle}</span>
                      <span className="line-kind show-sm">{clientName(invoice.client)}</span>
                    </td>
                    <td className="hide-sm">{clientName(invoice.client)}</td>
                    <td className="hide-sm">{day(invoice.dueDate)}</td>
                    <td className="num">{money(invoice.total, invoice.currency)}</td>
                    <td className="num">{money(invoice.amountDue, invoice.currency)}</td>
                    <td>
                      <span className="chips">
                        <InvoiceChips invoice={invoice} />
                      </span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </>
  );
}
