import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { accountPost, password, unique } from './helpers';

/** The Stripe emulator of the local run: its API (any sk_test_ key) and its control routes. */
const emulator = process.env.ORASERV_STRIPE_URL ?? 'http://127.0.0.1:12111';

test('A chargeback flags the invoice "Disputed" in the invoice list and on the invoice, in words', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const request = context.request;
  const email = `owner-${unique('dispute')}@example.com`;
  expect((await accountPost(request, '/api/account/register', { businessName: 'Keystone Plumbing', email, password })).status()).toBe(201);
  expect((await accountPost(request, '/api/account/login', { email, password })).ok()).toBe(true);

  // Stripe connected through the emulator's onboarding page, and back through the return link, as the owner's browser goes.
  const { onboardingUrl } = await (await request.post('/api/payments/stripe/connect')).json();
  const onboarded = await request.post(onboardingUrl, { form: { business_name: 'Keystone Plumbing' }, maxRedirects: 0 });
  expect(onboarded.status()).toBe(302);
  await request.get(onboarded.headers()['location'], { maxRedirects: 0 });

  const client = await (await request.post('/api/clients', { data: { firstName: 'Ray', lastName: 'Ortiz', email: `ray-${unique('c')}@example.com` } })).json();
  const job = await (await request.post('/api/jobs', {
    data: { clientId: client.id, title: 'Sump pump install', lineItems: [{ kind: 'service', description: 'Install sump pump', quantity: 1, unitPrice: 240 }] },
  })).json();
  expect((await request.post(`/api/jobs/${job.id}/complete`, { data: {} })).ok()).toBe(true);
  const draft = await (await request.post('/api/invoices', { data: { jobId: job.id } })).json();
  const invoice = await (await request.post(`/api/invoices/${draft.id}/send`, { data: { terms: 'due_on_receipt' } })).json();

  // The customer pays by card; then disputes the charge with their bank.
  const token = new URL(invoice.payUrl).pathname.split('/').pop();
  let intent: { paymentIntentId: string; stripeAccount: string } | undefined;
  await expect(async () => {
    const answer = await request.post(`/api/pay/${token}/intent`);
    expect(answer.ok()).toBe(true);
    intent = await answer.json();
  }).toPass({ timeout: 30_000 });
  const stripe = { Authorization: 'Bearer sk_test_browser', 'Stripe-Account': intent!.stripeAccount };
  const confirmed = await (await request.post(`${emulator}/v1/payment_intents/${intent!.paymentIntentId}/confirm`, {
    headers: stripe, form: { payment_method: 'pm_card_visa' },
  })).json();
  expect(confirmed.status).toBe('succeeded');
  expect((await request.post(`${emulator}/_emulator/disputes`, { data: { charge: confirmed.latest_charge, reason: 'fraudulent' } })).ok()).toBe(true);
  await expect(async () => {
    const seen = await (await request.get(`/api/invoices/${invoice.id}`)).json();
    expect([seen.status, seen.disputed]).toEqual(['paid', true]);
  }).toPass({ timeout: 30_000 });

  const page = await context.newPage();
  await page.goto('/invoices');
  const row = page.locator(`[data-testid="invoice-row"][data-invoice-id="${invoice.id}"]`);
  await expect(row.getByTestId('disputed-badge')).toHaveText('Disputed');
  await expect(row.getByRole('cell', { name: /Paid.*Disputed/ })).toBeVisible();

  await page.goto(`/invoices/${invoice.id}`);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Disputed');
  await expect(page.getByText('Chargeback: payment disputed')).toBeVisible();
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);

  // An invoice nobody disputed carries no such badge.
  await page.goto('/invoices');
  await expect(page.getByTestId('disputed-badge')).toHaveCount(1);
  await context.close();
});
