import { expect, test, type Page } from '@playwright/test';
import { join } from 'node:path';
import { desktop, downloadPdf, payLinkFromEmail, payOnTestCardForm, screenshots, signUp, unique } from './helpers';

const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

test('A dispatcher invoices a completed job and a customer pays it by card on a phone; the dashboard turns it PAID without reload', async ({ browser }) => {
  const id = unique('nw');
  const ownerEmail = `owner-${id}@example.com`;
  const clientEmail = `dana-${id}@example.com`;

  const office = await browser.newContext(desktop);
  const page = await office.newPage();

  await test.step('sign up', async () => {
    await signUp(page, 'Northwind Plumbing', ownerEmail);
  });

  await test.step('connect Stripe through the onboarding page', async () => {
    await page.getByRole('link', { name: 'Connect Stripe' }).first().click();
    await expect(page).toHaveURL(/\/settings\/integrations$/);
    await expect(page.getByTestId('stripe-status')).toHaveAttribute('data-status', 'not_connected');
    await page.getByRole('button', { name: 'Connect Stripe' }).click();
    // Stripe's hosted onboarding (the emulator's page offline) ...
    await expect(page.getByRole('heading', { name: /Stripe Connect onboarding/ })).toBeVisible();
    await page.getByRole('button', { name: 'Complete onboarding' }).click();
    // ... sends the owner back to the settings page, which reads the account again.
    await expect(page).toHaveURL(/\/settings\/integrations\?stripe=active/);
    await expect(page.getByTestId('stripe-status')).toHaveAttribute('data-status', 'active');
    await expect(page.getByTestId('stripe-status').getByText('Enabled')).toHaveCount(2);
    await page.screenshot({ path: join(screenshots, 'settings-integrations.png') });
  });

  await test.step('add a client and a job with labor, materials and a fee', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Jobs' }).click();
    await page.getByRole('link', { name: 'New job' }).first().click();
    await page.getByRole('button', { name: '+ New client' }).click();
    const dialog = page.getByRole('dialog', { name: 'New client' });
    await dialog.getByLabel('First name').fill('Dana');
    await dialog.getByLabel('Last name').fill('Whitfield');
    await dialog.getByLabel('Email').fill(clientEmail);
    await dialog.getByLabel('Mobile phone').fill('+15125550143');
    await dialog.getByLabel('Service address').fill('1208 Barton Springs Rd, Austin, TX');
    await dialog.getByRole('button', { name: 'Add client' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByLabel('Client', { exact: true })).toHaveValue(/.+/);

    await page.getByLabel('Title', { exact: true }).fill('Replace water heater');
    const line1 = page.locator('li[aria-label="Line 1"]');
    await line1.getByLabel('Description').fill('Technician labor');
    await line1.getByLabel('Hours').fill('2.5');
    await line1.getByLabel(/Hourly rate/).fill('95');
    await page.getByRole('button', { name: '+ Materials' }).click();
    const line2 = page.locator('li[aria-label="Line 2"]');
    await line2.getByLabel('Description').fill('50 gal water heater');
    await line2.getByLabel('Quantity').fill('1');
    await line2.getByLabel(/Unit price/).fill('689');
    await page.getByRole('button', { name: '+ Fee' }).click();
    const line3 = page.locator('li[aria-label="Line 3"]');
    await line3.getByLabel('Description').fill('Trip charge');
    await line3.getByLabel(/Amount/).fill('49');
    await page.getByRole('button', { name: 'Create job' }).click();
    await expect(page.getByRole('heading', { level: 1, name: /Replace water heater/ })).toBeVisible();
    await expect(page.getByRole('heading', { level: 1 }).getByText('Scheduled')).toBeVisible();
  });

  await test.step('complete the job and press Invoice Job', async () => {
    await page.getByRole('button', { name: 'Complete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Mark completed' }).click();
    await expect(page.getByRole('heading', { level: 1 }).getByText('Completed')).toBeVisible();
    await page.getByRole('button', { name: 'Invoice Job' }).click();
    await expect(page).toHaveURL(/\/invoices\/[0-9a-f-]{36}$/);
    await expect(page.getByRole('heading', { level: 1 }).getByText('Draft', { exact: true })).toBeVisible();
  });
  const invoiceId = page.url().split('/').pop()!;

  await test.step('send it on Net 15, with the due date shown before sending', async () => {
    await page.getByRole('radio', { name: 'Net 15' }).check();
    await expect(page.getByTestId('due-preview')).toContainText('Due ');
    await page.getByRole('button', { name: 'Send invoice' }).click();
    await expect(page.getByRole('heading', { level: 1 }).getByText('Open', { exact: true })).toBeVisible();
    await expect(page.getByTestId('invoice-number')).toHaveText(/\d+/);
    await expect(page.getByTestId('pay-url')).toHaveValue(/\/pay\/.+/);
    const pdf = await page.request.get(`/api/invoices/${invoiceId}/pdf`);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toContain('application/pdf');
    await expect(page.getByTestId('delivery-log')).toContainText(clientEmail, { timeout: 30_000 });
    await page.screenshot({ path: join(screenshots, 'invoice.png'), fullPage: true });
  });
  const number = (await page.getByTestId('invoice-number').textContent())!;
  const amountDue = (await page.getByTestId('amount-due').textContent())!;
  const payUrlOnPage = await page.getByTestId('pay-url').inputValue();

  // The dispatcher's dashboard stays open (no reload) in another page while the customer pays.
  const dashboard = await office.newPage();
  await dashboard.goto('/');
  await expect(dashboard.getByTestId('live-state').locator('visible=true')).toHaveAttribute('data-state', 'live');
  const row = dashboard.locator(`[data-testid="dashboard-invoice"][data-invoice-id="${invoiceId}"]`);
  await expect(row.locator('.chip')).toHaveAttribute('data-status', 'open');
  // The figures are Invoicing's (computed in PostgreSQL): a fresh business has this one invoice outstanding.
  await expect(dashboard.getByTestId('figure-outstanding')).toHaveText(amountDue);
  await expect(dashboard.getByTestId('figure-collected')).toHaveText(/\$0\.00/);
  await dashboard.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

  // The customer opens the link in the email smtp4dev caught (the invoice page's link when no smtp4dev runs).
  const emailed = await payLinkFromEmail(clientEmail);
  test.info().annotations.push({ type: 'pay link', description: emailed ? 'from the email in smtp4dev' : 'from the invoice page (no smtp4dev answered)' });
  const payUrl = new URL(emailed ?? payUrlOnPage);

  const customer = await browser.newContext(phone);
  const pay = await customer.newPage();

  await test.step('the pay page: branded, the amount, the due date, the lines', async () => {
    await pay.goto(payUrl.pathname);
    await expect(pay.getByText('Northwind Plumbing').first()).toBeVisible();
    await expect(pay.getByRole('heading', { level: 1, name: `Invoice ${number} from Northwind Plumbing` })).toBeAttached();
    await expect(pay.getByText(`Invoice ${number}`, { exact: true })).toBeVisible();
    await expect(pay.getByTestId('pay-amount')).toHaveText(amountDue);
    await expect(pay.getByText(/^Due /)).toBeVisible();
    await expect(pay.getByText('50 gal water heater')).toBeVisible();
    await expectNoHorizontalScroll(pay);
    await pay.screenshot({ path: join(screenshots, 'pay-page-phone.png'), fullPage: true });
  });

  await test.step('the pay page downloads the invoice PDF, reachable and visibly focused from the keyboard', async () => {
    const link = pay.getByRole('link', { name: `Download PDF of invoice ${number}` });
    await expect(link).toBeVisible();
    await pay.locator('.pay-lines summary').focus();
    await pay.keyboard.press('Tab');
    await expect(link).toBeFocused();
    expect(await link.evaluate((el) => getComputedStyle(el).outlineStyle)).not.toBe('none');
    const pdf = await downloadPdf(pay, link);
    expect(pdf.name).toBe(`${number}.pdf`);
    expect(pdf.isPdf).toBe(true);
    expect(pdf.text).toContain(number);
    expect(pdf.text).toContain('Northwind Plumbing');
  });

  await test.step('a declined card shows the decline and leaves the invoice open', async () => {
    await pay.getByRole('button', { name: /^Pay \$/ }).click();
    await payOnTestCardForm(pay, '4000 0000 0000 0002');
    await expect(pay.getByRole('alert')).toContainText('Your payment was declined');
    await expect(pay.getByRole('button', { name: 'Try again' })).toBeVisible();
    await expect(pay).not.toHaveURL(/client_secret/);
    await pay.screenshot({ path: join(screenshots, 'pay-declined-phone.png'), fullPage: true });
    await expect(row.locator('.chip')).toHaveAttribute('data-status', 'open');
    const view = await (await pay.request.get(`/api/pay/${payUrl.pathname.split('/').pop()}`)).json();
    expect(view.status).toBe('open');
    // The dispatcher's open dashboard hears of the decline (Stripe's payment_intent.payment_failed), once.
    const failed = dashboard.getByTestId('payment-failed');
    await expect(failed).toContainText(`${number}: a payment of ${amountDue} failed · Your card was declined.`, { timeout: 30_000 });
    await expect(failed).toHaveCount(1);
  });

  await test.step('paying with 4242 4242 4242 4242 shows "Paid - thank you"', async () => {
    await pay.getByRole('button', { name: 'Try again' }).click();
    await payOnTestCardForm(pay, '4242 4242 4242 4242');
    await expect(pay.getByRole('heading', { name: 'Paid - thank you' })).toBeVisible({ timeout: 60_000 });
    await expect(pay.getByTestId('receipt')).toContainText(`Amount paid${amountDue}`);
  });

  await test.step('the open dashboard turns the invoice PAID without a reload', async () => {
    await expect(row.locator('.chip')).toHaveAttribute('data-status', 'paid', { timeout: 30_000 });
    await expect(row.locator('.chip')).toHaveText('Paid');
    expect(await dashboard.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await expect(dashboard.getByTestId('live-feed')).toContainText(`${number} was paid`);
    await expect(dashboard.getByTestId('figure-collected')).toHaveText(amountDue);
    await expect(dashboard.getByTestId('figure-outstanding')).toHaveText(/\$0\.00/);
    await dashboard.screenshot({ path: join(screenshots, 'dashboard.png'), fullPage: true });
  });

  await test.step('the paid pay page opened fresh on a phone shows the receipt, and the PDF reads PAID', async () => {
    const view = await (await pay.request.get(`/api/pay/${payUrl.pathname.split('/').pop()}`)).json();
    const paidOn = new Intl.DateTimeFormat('en-US', { dateStyle: 'long' }).format(new Date(view.paidAt));
    const later = await browser.newContext({ ...phone, locale: 'en-US' });
    const fresh = await later.newPage();
    await fresh.goto(payUrl.pathname);
    await expect(fresh.getByRole('heading', { name: 'Paid - thank you' })).toBeVisible();
    const receipt = fresh.getByTestId('receipt');
    await expect(receipt.getByRole('heading', { name: 'Receipt' })).toBeVisible();
    await expect(receipt).toContainText(`Amount paid${amountDue}`);
    await expect(receipt).toContainText(`Paid on${paidOn}`);
    await expect(receipt).toContainText(`Receipt number${number}`);
    await expect(receipt).toContainText('Paid withVisa ending in 4242');
    await expect(fresh.getByTestId('pay-amount')).toHaveText(amountDue);
    await expectNoHorizontalScroll(fresh);
    await fresh.screenshot({ path: join(screenshots, 'pay-paid-phone.png'), fullPage: true });
    const pdf = await downloadPdf(fresh, fresh.getByRole('link', { name: `Download PDF of invoice ${number}` }));
    expect(pdf.isPdf).toBe(true);
    expect(pdf.text).toContain(number);
    expect(pdf.text).toContain('PAID');
    await later.close();
  });

  await test.step('the pay page at 1280x800 reads paid too, with the receipt', async () => {
    const wide = await browser.newContext(desktop);
    const widePage = await wide.newPage();
    await widePage.goto(payUrl.pathname);
    await expect(widePage.getByRole('heading', { name: 'Paid - thank you' })).toBeVisible();
    await expect(widePage.getByTestId('receipt')).toContainText('Visa ending in 4242');
    await expectNoHorizontalScroll(widePage);
    await widePage.screenshot({ path: join(screenshots, 'pay-page-desktop.png') });
    await wide.close();
  });

  await test.step('a refund through Stripe reopens the invoice', async () => {
    await page.goto(`/invoices/${invoiceId}`);
    await expect(page.getByRole('heading', { level: 1 }).locator('.chip')).toHaveAttribute('data-status', 'paid');
    await page.getByRole('button', { name: 'Refund' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Refund' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Refund of' })).toContainText(amountDue);
    // Stripe confirms the refund by webhook; Invoicing takes the money back and the invoice reads open again.
    await expect(page.getByRole('heading', { level: 1 }).locator('.chip')).toHaveAttribute('data-status', 'open', { timeout: 30_000 });
  });

  await customer.close();
  await office.close();
});

async function expectNoHorizontalScroll(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, 'the page scrolls sideways').toBeLessThanOrEqual(0);
}
