import type { CDPSession, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { PASSWORD, uniqueName } from '../../api/test/support/clients.ts';
import { chatRow, loggedIn, logIn, openChat, openConversation, send, useWebApp } from './browser.ts';

const app = useWebApp();

async function openSettings(page: Page, tab: 'Profile' | 'Security' | 'Account') {
  await page.getByRole('button', { name: 'Settings' }).click();
  const settings = page.getByRole('dialog', { name: 'Settings' });
  await settings.getByRole('tab', { name: tab }).click();
  return settings;
}

/** Chromium's virtual authenticator over CDP, holding discoverable credentials. */
async function virtualAuthenticator(page: Page): Promise<CDPSession> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return cdp;
}

describe('Settings: devices, passwords, passkeys, profile', () => {
  it('lists devices with this one marked, and “Sign out all others” sends the other browser to the login page', async () => {
    const alice = await app.person(uniqueName('acct'));
    const laptop = await app.browser.newContext({ baseURL: app.harness.server.url });
    app.harness.defer(() => laptop.close());
    const other = await laptop.newPage();
    await other.goto('/login/');
    await logIn(other, alice.username);

    const settings = await openSettings(alice.page, 'Security');
    const devices = settings.getByTestId('device');
    await expect.poll(() => devices.count()).toBe(2);
    await expect.poll(() => devices.filter({ hasText: '(this device)' }).count()).toBe(1);
    await expect.poll(async () => (await devices.first().textContent()) ?? '').toContain('Chrome');
    await settings.getByRole('button', { name: 'Sign out all others' }).click();
    await other.waitForURL(/\/login\//);
    await expect.poll(() => devices.count()).toBe(1);
  });

  it('changes the password and the display name', async () => {
    const alice = await app.person(uniqueName('acct'));
    const settings = await openSettings(alice.page, 'Security');
    await settings.getByLabel('Current password').fill('not-the-password-9');
    await settings.getByLabel('New password', { exact: true }).fill('Meadow-Violin-2044');
    await settings.getByRole('button', { name: 'Change password' }).click();
    await settings.getByRole('alert').filter({ hasText: 'The password is wrong.' }).waitFor();
    await settings.getByLabel('Current password').fill(PASSWORD);
    await settings.getByRole('button', { name: 'Change password' }).click();
    await settings.getByText('Password changed.').waitFor();

    await settings.getByRole('tab', { name: 'Profile' }).click();
    await settings.getByLabel('Display name').fill('Alice Ånström');
    await settings.getByRole('button', { name: 'Save name' }).click();
    await settings.getByText('Name saved.').waitFor();
  });

  it('shows a new display name to the other person at once, with the username beside it, in the list and the header', async () => {
    const [alice, bob] = await Promise.all([app.person(uniqueName('acct')), app.person(uniqueName('acct'))]);
    await openConversation(alice, bob.username);
    await send(alice, 'hi');
    await openChat(bob, alice.username);
    const row = chatRow(bob.page, alice.username);
    await expect.poll(() => row.getByTestId('avatar').getAttribute('data-initials')).toBe(alice.username.slice(0, 1).toUpperCase());
    expect(await row.getByTestId('username-beside').count()).toBe(0);

    const settings = await openSettings(alice.page, 'Profile');
    await settings.getByLabel('Display name').fill('Alice Ånström');
    await settings.getByRole('button', { name: 'Save name' }).click();

    // No reload on Bob's side: the ProfileEvent renames her in the list and in the open chat's header.
    const renamed = chatRow(bob.page, 'Alice Ånström');
    await renamed.waitFor();
    expect(await renamed.getByTestId('username-beside').textContent()).toBe(`@${alice.username}`);
    expect(await renamed.getByTestId('avatar').getAttribute('data-initials')).toBe('AÅ');
    const heading = bob.page.getByRole('heading', { level: 2 });
    await expect.poll(() => heading.textContent()).toBe(`Alice Ånström@${alice.username}`);
  });

  it('adds a passkey in Settings, then signs in with it on the login page without typing a name', async () => {
    const alice = await app.person(uniqueName('acct'));
    await virtualAuthenticator(alice.page);
    const settings = await openSettings(alice.page, 'Security');
    await settings.getByLabel('Name for a new passkey').fill('This laptop');
    await settings.getByRole('button', { name: 'Add a passkey' }).click();
    await settings.getByRole('list', { name: 'Passkeys' }).getByText('This laptop').waitFor();
    await settings.getByRole('button', { name: 'Rename passkey This laptop' }).click();
    await settings.getByLabel('New name for This laptop').fill('Work laptop');
    await settings.getByRole('button', { name: 'Save', exact: true }).click();
    await settings.getByRole('list', { name: 'Passkeys' }).getByText('Work laptop').waitFor();

    await alice.context.request.post('/graphql', { data: { query: 'mutation { logout }' } });
    await alice.page.waitForURL(/\/login\//);
    await alice.page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await loggedIn(alice.page, alice.username);
  });
});
