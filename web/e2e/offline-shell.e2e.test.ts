import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { uniqueName } from '../../api/test/support/clients.ts';
import {
  chatRow,
  conversationId,
  loggedIn,
  openConversation,
  send,
  shownBodies,
  useWebApp,
} from './browser.ts';

const app = useWebApp();

const waitForBodies = (page: Page, expected: string[]) =>
  expect.poll(() => shownBodies(page), { timeout: 30_000, interval: 100 }).toEqual(expected);

describe('the app shell offline (issue 19, finding 11)', () => {
  it('reloads without the network into the app: the chat list as it last loaded and the unsent messages, sent once it is back', async () => {
    const [alice, bob] = [await app.person(uniqueName('alice')), await app.person(uniqueName('bob'))];
    await openConversation(alice, bob.username);
    await send(alice, 'hello');
    await alice.page.locator('[data-state="sent"]').waitFor();
    const id = await conversationId(alice.page);
    await alice.page.goto('/');
    await chatRow(alice.page, bob.username).waitFor();
    // The service worker, registered at start without any push, has kept the shell.
    await expect
      .poll(() =>
        alice.page.evaluate(
          async () => (await caches.match('/')) !== undefined && navigator.serviceWorker.controller !== null,
        ),
      )
      .toBe(true);

    await alice.context.setOffline(true);
    await alice.page.goto(`/c/${id}`).catch(() => 'offline: the page comes from the worker');
    await loggedIn(alice.page, alice.username);
    await send(alice, 'offline 1');
    await send(alice, 'offline 2');
    await waitForBodies(alice.page, ['offline 1', 'offline 2']);
    await alice.page.reload();

    // The app, not the browser's "No internet": who is signed in, the list, and the outbox in its chat.
    await loggedIn(alice.page, alice.username);
    await alice.page.getByTestId('offline-list').waitFor();
    await chatRow(alice.page, bob.username).waitFor();
    await waitForBodies(alice.page, ['offline 1', 'offline 2']);
    expect(await alice.page.locator('[data-state="sent"]').count()).toBe(0);

    await alice.context.setOffline(false);
    await waitForBodies(alice.page, ['hello', 'offline 1', 'offline 2']);
    await alice.page.getByTestId('offline-list').waitFor({ state: 'detached' });
    await bob.page.goto(`/c/${id}`);
    await waitForBodies(bob.page, ['hello', 'offline 1', 'offline 2']);

    // A logout forgets who was signed in and the kept list.
    const kept = () =>
      alice.page.evaluate(() => Object.keys(localStorage).filter((key) => /^chat\.(me|list)\./.test(key)));
    expect((await kept()).length).toBe(2);
    await alice.page.getByRole('button', { name: 'Log out' }).click();
    await alice.page.waitForURL('**/login/');
    expect(await kept()).toEqual([]);
  });
});
