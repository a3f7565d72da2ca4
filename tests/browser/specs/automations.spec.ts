import { expect, test, type APIRequestContext } from '@playwright/test';
import { dispatcherOfNewBusiness, expectAccessible, unique } from './helpers';

async function ruleNames(request: APIRequestContext): Promise<string[]> {
  const answer = await request.get('/api/automations');
  expect(answer.ok()).toBe(true);
  return ((await answer.json()) as { name: string }[]).map((r) => r.name);
}

test('A dispatcher creates an email reminder, sees the server refuse bad input beside its fields, switches it off, previews it on an invoice and deletes it', async ({ browser }) => {
  const id = unique('auto');
  const clientEmail = `marisol-${id}@example.com`;
  const office = await dispatcherOfNewBusiness(browser, id, { businessName: 'Cedar Ridge Plumbing' });
  const request = office.request;

  // An issued invoice to preview the rule with: a client, a job, completed, invoiced and sent.
  const client = await (await request.post('/api/clients', { data: { firstName: 'Marisol', lastName: 'Vega', email: clientEmail } })).json();
  const job = await (await request.post('/api/jobs', {
    data: { clientId: client.id, title: 'Leaking shower valve', lineItems: [{ kind: 'service', description: 'Replace shower cartridge', quantity: 1, unitPrice: 185 }] },
  })).json();
  expect((await request.post(`/api/jobs/${job.id}/complete`, { data: {} })).ok()).toBe(true);
  const draft = await (await request.post('/api/invoices', { data: { jobId: job.id } })).json();
  const sent = await request.post(`/api/invoices/${draft.id}/send`, { data: { terms: 'due_on_receipt' } });
  expect(sent.ok()).toBe(true);
  const invoice = (await sent.json()) as { id: string; number: string; payUrl: string };

  const page = await office.newPage();
  const ruleName = 'Overdue by 1 day (email)';
  const defaultName = 'Overdue by 5 days (SMS)';
  const rules = page.getByRole('list', { name: 'Automation rules' });
  const row = rules.getByTestId('automation-rule').filter({ hasText: ruleName });
  const defaultRow = rules.getByTestId('automation-rule').filter({ hasText: defaultName });
  const message = page.getByRole('textbox', { name: 'Message', exact: true });
  const days = page.getByLabel('Days', { exact: true });
  const text = 'Hi {{ client.firstName }}, your invoice is a day late. Pay here: {{ invoice.link }}';

  await test.step('the dispatcher opens Automations: the business starts with the 5-days-overdue SMS, switched off', async () => {
    await page.goto('/');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Automations' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Automations' })).toBeVisible();
    await expect(defaultRow).toContainText('Sends 5 days after the due date by SMS');
    await expect(defaultRow.getByRole('switch', { name: `Enabled: ${defaultName}` })).not.toBeChecked();
    await expectAccessible(page);
  });

  await test.step('a new email rule, its text built with the placeholder chips', async () => {
    await page.getByRole('link', { name: 'New rule' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'New rule' })).toBeVisible();
    await page.getByLabel('Name', { exact: true }).fill(ruleName);
    await page.getByLabel('Trigger').selectOption('invoice.overdue');
    await days.fill('1');
    await expect(days).toHaveAccessibleDescription('Sends 1 day after the due date.');
    await page.getByLabel('Channel').selectOption('email');
    await page.getByLabel('Subject (optional)').fill('Invoice {{ invoice.number }} is overdue');
    await message.fill('Hi ');
    await page.getByRole('button', { name: 'Insert {{ client.firstName }}' }).click();
    await message.press('Control+End');
    await message.pressSequentially(', your invoice is a day late. Pay here: ');
    await page.getByRole('button', { name: 'Insert {{ invoice.link }}' }).click();
    await expect(message).toHaveValue(text);
    await expect(message).toBeFocused();
  });

  await test.step('bad input: the server names each field, the page shows its message beside it, and nothing is saved', async () => {
    await days.fill('400');
    await message.fill(`${text} See you soon, {{ client.nickname }}.`);
    await page.getByRole('button', { name: 'Create rule' }).click();
    await expect(days).toHaveAttribute('aria-invalid', 'true');
    await expect(days).toHaveAccessibleDescription(/Required: a whole number of days from 0 to 365\./);
    await expect(message).toHaveAttribute('aria-invalid', 'true');
    await expect(message).toHaveAccessibleDescription(/Unknown variable client\.nickname\./);
    await expect(page.getByRole('alert').filter({ hasText: 'Nothing was saved' })).toBeVisible();
    await expect(page).toHaveURL(/\/automations\/new$/);
    await expectAccessible(page);
    expect(await ruleNames(request)).toEqual([defaultName]);
  });

  await test.step('corrected, it saves and is listed, switched on', async () => {
    await days.fill('1');
    await message.fill(text);
    await page.getByRole('button', { name: 'Create rule' }).click();
    await expect(page).toHaveURL(/\/automations\?saved=/);
    await expect(page.getByText(`Saved “${ruleName}”.`)).toBeVisible();
    await expect(row).toContainText('Sends 1 day after the due date by email');
    await expect(row.getByRole('switch', { name: `Enabled: ${ruleName}` })).toBeChecked();
  });

  await test.step('switched off from the keyboard, it stays off after a reload, the rest of the rule unchanged', async () => {
    const toggle = row.getByRole('switch', { name: `Enabled: ${ruleName}` });
    const saved = page.waitForResponse((r) => r.request().method() === 'PUT' && r.url().includes('/api/automations/'));
    await toggle.focus();
    await page.keyboard.press('Space');
    expect((await saved).status()).toBe(200);
    await expect(toggle).not.toBeChecked();
    await page.reload();
    await expect(row.getByRole('switch', { name: `Enabled: ${ruleName}` })).not.toBeChecked();
    await expect(row).toContainText('Sends 1 day after the due date by email');
    const stored = ((await (await request.get('/api/automations')).json()) as { name: string; enabled: boolean; action: { template: string; subject: string } }[])
      .find((r) => r.name === ruleName)!;
    expect([stored.enabled, stored.action.template, stored.action.subject]).toEqual([false, text, 'Invoice {{ invoice.number }} is overdue']);
  });

  await test.step('the preview on the issued invoice: the client, the subject, the first name and the pay link', async () => {
    await row.getByRole('button', { name: `Preview ${ruleName}` }).click();
    const dialog = page.getByRole('dialog', { name: `Preview “${ruleName}”` });
    await dialog.getByLabel('Invoice').selectOption(invoice.id);
    const body = dialog.getByTestId('rule-preview-body');
    // Automation learns of the invoice from Invoicing's event: right after sending it may not have yet.
    await expect(async () => {
      await dialog.getByRole('button', { name: 'Show message' }).click();
      await expect(body).toBeVisible({ timeout: 2000 });
    }).toPass({ timeout: 30_000 });
    await expect(body).toHaveText(`Hi Marisol, your invoice is a day late. Pay here: ${invoice.payUrl}`);
    const preview = dialog.getByTestId('rule-preview');
    await expect(preview).toContainText(clientEmail);
    await expect(preview).toContainText(`Invoice ${invoice.number} is overdue`);
    await expectAccessible(page);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect(dialog).toBeHidden();
  });

  await test.step('deleted after a confirmation; with no rule left, the page explains automations', async () => {
    await row.getByRole('button', { name: `Delete ${ruleName}` }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete this rule?' });
    await expect(confirm).toContainText(ruleName);
    await confirm.getByRole('button', { name: 'Delete rule' }).click();
    await expect(confirm).toBeHidden();
    await expect(row).toHaveCount(0);
    await page.reload();
    await expect(defaultRow).toBeVisible();
    await expect(row).toHaveCount(0);
    expect(await ruleNames(request)).toEqual([defaultName]);

    await defaultRow.getByRole('button', { name: `Delete ${defaultName}` }).click();
    await page.getByRole('dialog', { name: 'Delete this rule?' }).getByRole('button', { name: 'Delete rule' }).click();
    await expect(page.getByText('No automations yet')).toBeVisible();
    await expect(page.getByRole('main').getByRole('link', { name: 'New rule' })).toHaveCount(2);
    expect(await ruleNames(request)).toEqual([]);
  });

  await office.close();
});
