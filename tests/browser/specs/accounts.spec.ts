import { expect, test } from '@playwright/test';
import { password, signUp, unique } from './helpers';

test('An owner invites a dispatcher, who joins with the link and logs in; logging out ends the session', async ({ browser }) => {
  const id = unique('team');
  const ownerEmail = `owner-${id}@example.com`;
  const dispatcherEmail = `dispatch-${id}@example.com`;

  const ownerContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const owner = await ownerContext.newPage();
  await signUp(owner, 'Bluebird HVAC', ownerEmail);

  await owner.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await owner.getByRole('link', { name: 'Team' }).click();
  await owner.getByLabel('Email').fill(dispatcherEmail);
  await owner.getByLabel('Role').selectOption('dispatcher');
  await owner.getByRole('button', { name: 'Create invitation' }).click();
  const link = await owner.getByTestId('invite-url').inputValue();
  expect(link).toContain('/accept-invitation?token=');

  await owner.getByRole('button', { name: 'Log out' }).click();
  await expect(owner).toHaveURL(/\/login$/);
  await owner.goto('/invoices');
  await expect(owner).toHaveURL(/\/login\?next=%2Finvoices/);

  const newcomerContext = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const newcomer = await newcomerContext.newPage();
  await newcomer.goto(new URL(link).pathname + new URL(link).search);
  await newcomer.getByLabel('Password').fill(password);
  await newcomer.getByRole('button', { name: 'Join' }).click();
  await expect(newcomer).toHaveURL(/\/login\?joined=1/);
  await expect(newcomer.getByLabel('Email')).toHaveValue(dispatcherEmail);
  await newcomer.getByLabel('Password').fill(password);
  await newcomer.getByRole('button', { name: 'Log in' }).click();
  await expect(newcomer.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(newcomer.getByText('Bluebird HVAC').first()).toBeVisible();

  // A wrong password says so, next to the form.
  const strangerContext = await browser.newContext();
  const stranger = await strangerContext.newPage();
  await stranger.goto('/login');
  await stranger.getByLabel('Email').fill(dispatcherEmail);
  await stranger.getByLabel('Password').fill('not-the-password-1');
  await stranger.getByRole('button', { name: 'Log in' }).click();
  await expect(stranger.getByRole('alert')).toContainText('The email or password is incorrect.');

  await Promise.all([ownerContext.close(), newcomerContext.close(), strangerContext.close()]);
});
