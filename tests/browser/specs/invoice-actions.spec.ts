import { expect, test, type APIRequestContext, type BrowserContext } from '@playwright/test';
import { accountPost, expectAccessible, password, unique } from './helpers';

/** A signed-in business with one client, through the public API (the money path spec does this through the pages). */
async function business(request: APIRequestContext) {
  const email = `owner-${unique('acts')}@example.com`;
  expect((await accountPost(request, '/api/account/register', { businessName: 'Copperline Plumbing', email, password })).status()).toBe(201);
  expect((await accountPost(request, '/api/account/login', { email, password })).ok()).toBe(true);
  const client = await (await request.post('/api/clients', { data: { firstName: 'Ann', lastName: 'Lee', email: `ann-${unique('c')}@example.com` } })).json();
  return { email, client };
}

async function sentInvoice(request: APIRequestContext, clientId: string, price: number) {
  const job = await (await request.post('/api/jobs', {
    data: { clientId, title: 'Drain cleaning', lineItems: [{ kind: 'service', description: 'Main line drain cleaning', quantity: 1, unitPrice: price }] },
  })).json();
  expect((await request.post(`/api/jobs/${job.id}/complete`, { data: {} })).ok()).toBe(true);
  const invoice = await (await request.post('/api/invoices', { data: { jobId: job.id } })).json();
  const sent = await request.post(`/api/invoices/${invoice.id}/send`, { data: { terms: 'due_on_receipt' } });
  expect(sent.ok()).toBe(true);
  return (await sent.json()) as { id: string; number: string; payUrl: string };
}

// One business for both tests: sign-ups are rate limited per address.
let signedIn: BrowserContext;
let client: { id: string };

test.beforeAll(async ({ browser }) => {
  signedIn = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  ({ client } = await business(signedIn.request));
});

test.afterAll(async () => {
  await signedIn.close();
});

test('Recording manual payments pays an invoice off; voiding another closes its pay page', async () => {
  const page = await signedIn.newPage();
  const first = await sentInvoice(page.request, client.id, 300);
  const second = await sentInvoice(page.request, client.id, 120);

  await page.goto(`/invoices/${first.id}`);
  await page.getByRole('button', { name: 'Record payment' }).click();
  const dialog = page.getByRole('dialog', { name: 'Record a payment' });
  await dialog.getByLabel(/Amount/).fill('100');
  await dialog.getByLabel('Method').selectOption('check');
  await dialog.getByLabel(/Reference/).fill('Check 1042');
  await dialog.getByRole('button', { name: 'Record payment' }).click();
  await expect(page.getByTestId('amount-due')).toHaveText(/200\.00/);
  await expect(page.getByRole('heading', { level: 1 }).locator('.chip')).toHaveAttribute('data-status', 'open');

  await page.getByRole('button', { name: 'Record payment' }).click();
  await dialog.getByLabel('Method').selectOption('cash');
  await dialog.getByRole('button', { name: 'Record payment' }).click();
  await expect(page.getByRole('heading', { level: 1 }).locator('.chip')).toHaveAttribute('data-status', 'paid');
  await expect(page.getByText('Check 1042')).toBeVisible();

  await page.goto(`/invoices/${second.id}`);
  await page.getByRole('button', { name: 'Void' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Void invoice' }).click();
  await expect(page.getByRole('heading', { level: 1 }).locator('.chip')).toHaveAttribute('data-status', 'void');

  await page.goto('/invoices?status=void');
  await expect(page.locator(`[data-testid="invoice-row"][data-invoice-id="${second.id}"]`)).toBeVisible();
  await expect(page.locator(`[data-testid="invoice-row"][data-invoice-id="${first.id}"]`)).toHaveCount(0);

  // The customer's link now says there is nothing to pay (Payments hears InvoiceVoided).
  await expect(async () => {
    await page.goto(new URL(second.payUrl).pathname);
    await expect(page.getByRole('heading', { name: 'This invoice was voided' })).toBeVisible({ timeout: 2000 });
  }).toPass({ timeout: 30_000 });
});

test('The terms a dispatcher picks on a draft stay picked while the business\'s defaults are still loading', async () => {
  const page = await signedIn.newPage();
  const job = await (await page.request.post('/api/jobs', {
    data: { clientId: client.id, title: 'Faucet repair', lineItems: [{ kind: 'service', description: 'Kitchen faucet cartridge', quantity: 1, unitPrice: 140 }] },
  })).json();
  expect((await page.request.post(`/api/jobs/${job.id}/complete`, { data: {} })).ok()).toBe(true);
  const draft = await (await page.request.post('/api/invoices', { data: { jobId: job.id } })).json();

  // The business's settings (its default terms) answer only after the dispatcher has picked Net 15.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/api/invoices/settings', async (route) => {
    await held;
    await route.continue();
  });
  await page.goto(`/invoices/${draft.id}`);
  const net15 = page.getByRole('radio', { name: 'Net 15' });
  await net15.check();
  const settingsAnswered = page.waitForResponse('**/api/invoices/settings');
  release();
  await settingsAnswered;
  await expect(page.getByTestId('due-preview')).toContainText('Due ');
  await expect(net15).toBeChecked();

  await page.getByRole('button', { name: 'Send invoice' }).click();
  await expect(page.getByRole('heading', { level: 1 }).getByText('Open', { exact: true })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Summary' }).getByText('Net 15', { exact: true })).toBeVisible();
});

test('The pages pass an automated WCAG 2.1 AA audit and work from the keyboard', async () => {
  const page = await signedIn.newPage();
  const invoice = await sentInvoice(page.request, client.id, 80);

  const pages = ['/', '/jobs', '/jobs/new', '/invoices', `/invoices/${invoice.id}`, '/clients', `/clients/${client.id}`, '/automations', '/automations/new', '/settings', '/settings/integrations', '/settings/team'];
  for (const path of pages) {
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    if (path.startsWith('/invoices/')) await expect(page.getByRole('region', { name: 'Reminders', exact: true }).getByText('No reminder is scheduled')).toBeVisible();
    if (path.startsWith('/clients/')) await expect(page.getByRole('switch', { name: "Don't send automatic reminders to this client" })).toBeEnabled();
    await expectAccessible(page);
  }
  // This business has not connected Stripe: the page says so instead of offering a Pay button.
  await expect(async () => {
    await page.goto(new URL(invoice.payUrl).pathname);
    await expect(page.getByTestId('pay-amount')).toBeVisible({ timeout: 2000 });
  }).toPass({ timeout: 30_000 });
  await expect(page.getByText('does not take online payments yet')).toBeVisible();
  await expectAccessible(page);

  // Keyboard: the skip link comes first, and the focused control shows a visible outline.
  await page.goto('/jobs');
  await expect(page.getByRole('heading', { level: 1, name: 'Jobs' })).toBeVisible();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  await page.keyboard.press('Tab');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
  expect(outline).not.toBe('none');

  const signedOut = await page.context().browser()!.newContext({ viewport: { width: 390, height: 844 } });
  const anonymous = await signedOut.newPage();
  for (const path of ['/login', '/signup']) {
    await anonymous.goto(path);
    await expect(anonymous.getByRole('heading', { level: 1 })).toBeVisible();
    await expectAccessible(anonymous);
  }
  await signedOut.close();
});
