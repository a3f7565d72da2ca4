import { expect, test } from '@playwright/test';
import { dispatcherOfNewBusiness, expectAccessible, unique } from './helpers';

test("A dispatcher sees an invoice's reminder schedule and stops automatic reminders to one client", async ({ browser }) => {
  const id = unique('remind');
  const office = await dispatcherOfNewBusiness(browser, id, { businessName: 'Bluebonnet Plumbing', timeZone: 'America/Chicago' });
  const request = office.request;

  // An SMS rule one day after the due date, switched on; a client with a mobile number; a completed job, invoiced (a draft).
  const ruleName = 'Overdue by 1 day (SMS)';
  const created = await request.post('/api/automations', {
    data: {
      name: ruleName,
      trigger: { event: 'invoice.overdue', days: 1 },
      action: { channel: 'sms', template: 'Hi {{ client.firstName }}: {{ invoice.link }}' },
      enabled: true,
    },
  });
  expect(created.status()).toBe(201);
  const rule = (await created.json()) as { id: string };
  const client = (await (await request.post('/api/clients', {
    data: { firstName: 'Rosa', lastName: 'Delgado', email: `rosa-${id}@example.com`, phone: '+15125550188' },
  })).json()) as { id: string };
  const job = await (await request.post('/api/jobs', {
    data: { clientId: client.id, title: 'Tankless heater flush', lineItems: [{ kind: 'service', description: 'Descale tankless heater', quantity: 1, unitPrice: 165 }] },
  })).json();
  expect((await request.post(`/api/jobs/${job.id}/complete`, { data: {} })).ok()).toBe(true);
  const draft = (await (await request.post('/api/invoices', { data: { jobId: job.id } })).json()) as { id: string };

  const page = await office.newPage();
  const reminders = page.getByRole('region', { name: 'Reminders', exact: true });
  const row = reminders.getByTestId('reminder').filter({ hasText: ruleName });

  await test.step('a draft shows no reminders', async () => {
    await page.goto(`/invoices/${draft.id}`);
    await expect(page.getByRole('heading', { name: 'Send invoice' })).toBeVisible();
    await expect(page.getByRole('region', { name: 'Delivery log' })).toBeVisible();
    await expect(reminders).toHaveCount(0);
  });

  await test.step('sent on Net 7, the Reminders card lists the rule as Scheduled for the day after the due date', async () => {
    await page.getByRole('radio', { name: 'Net 7' }).check();
    await page.getByRole('button', { name: 'Send invoice' }).click();
    await expect(page.getByTestId('invoice-number')).toHaveText(/^INV-/);
    await expect(reminders).toBeVisible();
    // Automation learns of the invoice from Invoicing's event: right after sending, Refresh until it has.
    await expect(async () => {
      await reminders.getByRole('button', { name: 'Refresh reminders' }).click();
      await expect(row).toBeVisible({ timeout: 2000 });
    }).toPass({ timeout: 30_000 });

    const invoice = (await (await request.get(`/api/invoices/${draft.id}`)).json()) as { dueDate: string };
    // The due date plus one day, in words as the page's locale writes them.
    const dayAfter = await page.evaluate((due) => {
      const [y, m, d] = due.split('-').map(Number);
      return new Intl.DateTimeFormat(undefined, { dateStyle: 'long', timeZone: 'UTC' }).format(Date.UTC(y, m - 1, d + 1));
    }, invoice.dueDate);
    await expect(row).toHaveAttribute('data-rule-id', rule.id);
    await expect(row).toHaveAttribute('data-status', 'pending');
    await expect(row.locator('.chip')).toHaveText('Scheduled');
    await expect(row).toContainText('SMS');
    await expect(row).toContainText(`Due ${dayAfter}`);
    await expectAccessible(page);
  });

  await test.step('on the client\'s page, "Don\'t send automatic reminders" is ticked and stays ticked after a reload', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Clients' }).click();
    await page.getByRole('list', { name: 'Clients' }).getByRole('link', { name: 'Rosa Delgado' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Rosa Delgado' })).toBeVisible();
    const optOut = page.getByRole('switch', { name: "Don't send automatic reminders to this client" });
    await expect(optOut).toBeEnabled();
    await expect(optOut).not.toBeChecked();
    const saved = page.waitForResponse((r) => r.request().method() === 'PUT' && r.url().includes(`/api/automations/clients/${client.id}/do-not-remind`));
    await optOut.focus();
    await page.keyboard.press('Space');
    expect((await saved).status()).toBe(200);
    await expect(optOut).toBeChecked();
    await expect(page.getByRole('status').filter({ hasText: 'Saved: no automatic reminders go to this client.' })).toBeAttached();

    await page.reload();
    await expect(page.getByRole('heading', { level: 1, name: 'Rosa Delgado' })).toBeVisible();
    await expect(optOut).toBeEnabled();
    await expect(optOut).toBeChecked();
    const stored = (await (await request.get(`/api/automations/clients/${client.id}/do-not-remind`)).json()) as { doNotRemind: boolean };
    expect(stored.doNotRemind).toBe(true);
    await expectAccessible(page);
  });

  await office.close();
});
