import AxeBuilder from '@axe-core/playwright';
import { expect, type APIRequestContext, type APIResponse, type Browser, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** docs/screenshots at the repository root: the README shows these. */
export const screenshots = resolve(here, '../../../docs/screenshots');
mkdirSync(screenshots, { recursive: true });

export const smtp4dev = process.env.ORASERV_SMTP4DEV_URL ?? 'http://127.0.0.1:8025';

export const password = 'plumbing-rocks-2025';

export function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/** Signs a new business up through the page, as a person does; lands on the dashboard. */
export async function signUp(page: Page, businessName: string, email: string): Promise<void> {
  await page.goto('/signup');
  await page.getByLabel('Business name').fill(businessName);
  await page.getByLabel('Work email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByLabel('Currency').selectOption('USD');
  await page.getByLabel('Time zone').fill('America/Chicago');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
}

interface MailSummary {
  id: string;
  to?: string[] | string;
  subject?: string;
}

/** The pay link of the newest email smtp4dev caught for a recipient, or null when no smtp4dev answers. */
export async function payLinkFromEmail(recipient: string, timeoutMs = 30_000): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  try {
    await fetch(`${smtp4dev}/api/messages`);
  } catch {
    return null;
  }
  while (Date.now() < deadline) {
    const response = await fetch(`${smtp4dev}/api/messages?pageSize=100`);
    const body = (await response.json()) as MailSummary[] | { results: MailSummary[] };
    const messages = Array.isArray(body) ? body : body.results;
    const mine = messages.filter((m) => JSON.stringify(m.to ?? '').toLowerCase().includes(recipient.toLowerCase()));
    for (const message of mine.reverse()) {
      const html = await (await fetch(`${smtp4dev}/api/messages/${message.id}/html`)).text();
      const link = html.match(/href="([^"]*\/pay\/[^"]+)"/);
      if (link) return link[1].replace(/&amp;/g, '&');
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`No email with a pay link reached ${recipient} in smtp4dev within ${timeoutMs / 1000}s.`);
}

/** Pays on the Stripe emulator's test card form (what Stripe's hosted page is offline). */
export async function payOnTestCardForm(page: Page, card: string): Promise<void> {
  await expect(page.getByRole('heading', { name: /Test payment/ })).toBeVisible();
  await page.getByLabel('Card number').fill(card);
  await page.getByLabel('Expiry').fill('12 / 34');
  await page.getByLabel('CVC').fill('123');
  await page.getByRole('button', { name: 'Pay' }).click();
}

/** Clicks a download link and reads the file back: its name, whether it is a PDF, and its text (poppler's pdftotext). */
export async function downloadPdf(page: Page, link: Locator): Promise<{ name: string; isPdf: boolean; text: string }> {
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const path = join(tmpdir(), `oraserv-${unique('pdf')}.pdf`);
  await download.saveAs(path);
  const bytes = readFileSync(path);
  return {
    name: download.suggestedFilename(),
    isPdf: bytes.subarray(0, 5).toString('latin1') === '%PDF-',
    text: execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' }),
  };
}

/**
 * POST to /api/account/* as a client that respects the gateway's per-address limit (10 a minute): the specs share one
 * address, so a 429 is waited out (Retry-After, else 5 s) for up to 70 s before the answer counts.
 */
export async function accountPost(request: APIRequestContext, path: string, data: object): Promise<APIResponse> {
  const deadline = Date.now() + 70_000;
  for (;;) {
    const response = await request.post(path, { data });
    if (response.status() !== 429 || Date.now() > deadline) {
      return response;
    }
    const wait = Number(response.headers()['retry-after'] ?? '5');
    await new Promise((done) => setTimeout(done, Math.min(Math.max(wait, 1), 10) * 1000));
  }
}

/** The office's screen. */
export const desktop = { viewport: { width: 1280, height: 800 } };

/** The axe WCAG 2.1 AA audit: no serious or critical findings on the page as it is now. */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
}

/**
 * An owner signs a business up and invites a dispatcher, who joins: the dispatcher's signed-in browser context (through
 * the API: the accounts spec does it through the pages). Extra sign-up fields (e.g. timeZone) go in `business`.
 */
export async function dispatcherOfNewBusiness(browser: Browser, id: string, business: { businessName: string; timeZone?: string }): Promise<BrowserContext> {
  const ownerEmail = `owner-${id}@example.com`;
  const dispatcherEmail = `dispatch-${id}@example.com`;
  const owner = await browser.newContext(desktop);
  expect((await accountPost(owner.request, '/api/account/register', { ...business, email: ownerEmail, password })).status()).toBe(201);
  expect((await accountPost(owner.request, '/api/account/login', { email: ownerEmail, password })).ok()).toBe(true);
  const invited = await accountPost(owner.request, '/api/account/users', { email: dispatcherEmail, role: 'dispatcher' });
  expect(invited.ok()).toBe(true);
  const { token } = (await invited.json()) as { token: string };
  await owner.close();

  const office = await browser.newContext(desktop);
  expect((await accountPost(office.request, '/api/account/invitations/accept', { token, password })).ok()).toBe(true);
  expect((await accountPost(office.request, '/api/account/login', { email: dispatcherEmail, password })).ok()).toBe(true);
  return office;
}
