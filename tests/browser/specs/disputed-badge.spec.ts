import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';

// The web app's invoice pages with the API answered in the page (no services, no Stripe): what a disputed invoice
// looks like, whatever the state of the system behind it. dispute.spec.ts makes a real chargeback on the local run.

const disputed = invoice('01a2f000-0000-7000-8000-000000000001', 'INV-000041', { status: 'paid', disputed: true, disputeStatus: 'needs_response' });
const decided = invoice('01a2f000-0000-7000-8000-000000000002', 'INV-000042', { status: 'paid', disputed: true, disputeStatus: 'lost' });
const plain = invoice('01a2f000-0000-7000-8000-000000000003', 'INV-000043', { status: 'open', disputed: false, disputeStatus: null });

function invoice(id: string, number: string, state: { status: string; disputed: boolean; disputeStatus: string | null }) {
  return {
    id, number, jobId: null, jobTitle: 'Sump pump install', client: { firstName: 'Ray', lastName: 'Ortiz', email: 'ray@example.com' },
    lines: [{ kind: 'service', description: 'Install sump pump', quantity: 1, unitPrice: 240, taxable: false, amount: 240 }],
    subtotal: 240, taxRate: 0, tax: 0, total: 240, amountPaid: state.status === 'paid' ? 240 : 0, amountDue: state.status === 'paid' ? 0 : 240,
    currency: 'USD', terms: 'due_on_receipt', issuedAt: '2026-11-20T15:00:00Z', dueDate: '2026-11-20', payUrl: 'http://127.0.0.1:8080/pay/x',
    paidAt: state.status === 'paid' ? '2026-11-20T16:00:00Z' : null, voidedAt: null, notes: null, createdAt: '2026-11-20T14:00:00Z',
    payments: [], disputedAt: state.disputed ? '2026-11-22T09:30:00Z' : null, ...state,
  };
}

async function answerApi(page: Page) {
  const me = { userId: 'u1', email: 'owner@example.com', role: 'owner', tenantId: 't1', businessName: 'Keystone Plumbing', currency: 'USD', timeZone: 'America/Chicago' };
  const invoices = [disputed, decided, plain];
  await page.route(/\/(api|hubs)\//, (route) => {
    const path = new URL(route.request().url()).pathname;
    const one = invoices.find((i) => path === `/api/invoices/${i.id}`);
    const body = path === '/api/account/me' ? me
      : path === '/api/invoices' ? invoices
      : one ? one
      : path === '/api/payments/stripe/account' ? { status: 'active', accountId: 'acct_1', chargesEnabled: true, payoutsEnabled: true }
      : path.startsWith('/hubs/') ? null
      : [];
    return body === null ? route.fulfill({ status: 404 }) : route.fulfill({ json: body });
  });
}

test('A disputed invoice reads "Disputed" in the invoice list and on the invoice, with its decision; others do not', async ({ page }) => {
  await answerApi(page);
  await page.goto('/invoices');
  const row = (id: string) => page.locator(`[data-testid="invoice-row"][data-invoice-id="${id}"]`);
  await expect(row(disputed.id).getByTestId('disputed-badge')).toHaveText('Disputed');
  await expect(row(disputed.id).getByRole('cell', { name: 'Paid Disputed' })).toBeVisible();
  await expect(row(decided.id).getByTestId('disputed-badge')).toHaveText('Disputed · lost');
  await expect(row(plain.id).getByTestId('disputed-badge')).toHaveCount(0);

  await page.goto(`/invoices/${disputed.id}`);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Disputed');
  await expect(page.getByRole('status').filter({ hasText: 'Chargeback: payment disputed' })).toContainText('The customer disputed a card payment');
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`)).toEqual([]);

  await page.goto(`/invoices/${plain.id}`);
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expect(page.getByTestId('disputed-badge')).toHaveCount(0);
});
