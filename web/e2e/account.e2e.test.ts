import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { PASSWORD, uniqueName } from '../../api/test/support/clients.ts';
import { chatRow, loggedIn, logIn, openChat, openConversation, send, useWebApp, virtualAuthenticator } from './browser.ts';

const app = useWebApp({ env: { FILES_DIR: mkdtempSync(join(tmpdir(), 'chat-e2e-account-')) } });

async function openSettings(page: Page, tab: 'Profile' | 'Security' | 'Account') {
  await page.getByRole('button', { name: 'Settings' }).click();
  const settings = page.getByRole('dialog', { name: 'Settings' });
  await settings.getByRole('tab', { name: tab }).click();
  return settings;
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

  it('sets an avatar in Settings with a square preview; the other person sees it in the chat list at once, and initials once it is removed', async () => {
    const [alice, bob] = await Promise.all([app.person(uniqueName('acct')), app.person(uniqueName('acct'))]);
    await openConversation(alice, bob.username);
    await send(alice, 'hi');
    await openChat(bob, alice.username);
    const avatar = chatRow(bob.page, alice.username).getByTestId('avatar');
    await expect.poll(() => avatar.getAttribute('data-initials')).toBe(alice.username.slice(0, 1).toUpperCase());
    expect(await avatar.locator('img').count()).toBe(0);

    const settings = await openSettings(alice.page, 'Profile');
    const photo = await sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 30, g: 120, b: 200 } } }).jpeg().toBuffer();
    await settings.getByLabel('Choose a picture').setInputFiles({ name: 'me.jpg', mimeType: 'image/jpeg', buffer: photo });
    const preview = settings.getByRole('region', { name: 'Your picture' }).getByTestId('avatar').locator('img');
    await expect.poll(() => preview.getAttribute('src')).toMatch(/^data:image\/jpeg/);
    // The preview is square, as the server crops it.
    const box = (await preview.boundingBox())!;
    expect(box.width).toBe(box.height);
    await settings.getByRole('button', { name: 'Use this picture' }).click();
    await settings.getByText('Picture saved.').waitFor();

    // No reload on Bob's side: the ProfileEvent brings the avatar into his chat list, loaded from the server.
    const image = avatar.locator('img');
    await expect.poll(() => image.getAttribute('src')).toMatch(/^\/files\/avatars\/[0-9a-f-]{36}\/64$/);
    await expect.poll(() => image.evaluate((element: HTMLImageElement) => element.complete && element.naturalWidth)).toBe(64);

    await settings.getByRole('button', { name: 'Remove picture' }).click();
    await settings.getByText('Picture removed.').waitFor();
    await expect.poll(() => image.count()).toBe(0);
    expect(await avatar.getAttribute('data-initials')).toBe(alice.username.slice(0, 1).toUpperCase());
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
