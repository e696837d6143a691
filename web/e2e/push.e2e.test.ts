import { describe, expect, it } from 'vitest';
import { uniqueName } from '../../api/test/support/clients.ts';
import { chatRow, conversationId, openChat, openConversation, send, shownBodies, useWebApp } from './browser.ts';

const app = useWebApp();

/**
 * The service worker end to end in Chromium: registered by "Turn on notifications", handed a push
 * through the DevTools protocol (`ServiceWorker.deliverPushMessage`: what a push service's
 * message becomes once the browser has decrypted it), shown as a notification, and clicked.
 * Subscribing itself needs the browser vendor's push service, which this machine cannot reach:
 * the server side of that is api/test/push.test.ts.
 */
describe('Web Push in the browser', () => {
  it('shows a delivered push as a notification with the sender, preview and icon; a click opens its conversation', async () => {
    const alice = await app.person(uniqueName('alice'));
    const bob = await app.person(uniqueName('bob'));
    await openConversation(alice, bob.username);
    await send(alice, 'Are you coming tonight?');
    const id = await conversationId(alice.page);
    await chatRow(bob.page, alice.username).waitFor();

    const origin = app.harness.server.url;
    await bob.context.grantPermissions(['notifications'], { origin });
    await bob.page.getByRole('button', { name: 'Settings' }).click();
    await bob.page.getByRole('dialog', { name: 'Settings' }).getByRole('tab', { name: 'Notifications' }).click();
    await bob.page.getByRole('button', { name: 'Turn on notifications' }).click();
    const scope = await bob.page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
    expect(scope).toBe(`${origin}/`);
    await bob.page.getByRole('button', { name: 'Close' }).click();

    const cdp = await bob.context.newCDPSession(bob.page);
    const registrations = new Promise<string>((resolve) =>
      cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations: found }) => {
        const mine = found.find((registration) => registration.scopeURL === `${origin}/` && !registration.isDeleted);
        if (mine) resolve(mine.registrationId);
      }),
    );
    await cdp.send('ServiceWorker.enable');
    const registrationId = await registrations;
    const push = { conversationId: id, messageId: '1', title: alice.username, body: 'Are you coming tonight?' };
    await cdp.send('ServiceWorker.deliverPushMessage', { origin, registrationId, data: JSON.stringify(push) });

    const shown = () =>
      bob.page.evaluate(async () =>
        (await (await navigator.serviceWorker.ready).getNotifications()).map((notification) => ({
          title: notification.title,
          body: notification.body,
          icon: notification.icon,
          tag: notification.tag,
        })),
      );
    await expect.poll(shown).toEqual([
      { title: alice.username, body: 'Are you coming tonight?', icon: `${origin}/icon-192.png`, tag: `conversation-${id}` },
    ]);
    // A second push of the same conversation replaces the first: one notification per conversation.
    await cdp.send('ServiceWorker.deliverPushMessage', {
      origin,
      registrationId,
      data: JSON.stringify({ ...push, messageId: '2', body: 'Hello?' }),
    });
    await expect.poll(async () => (await shown()).map((notification) => notification.body)).toEqual(['Hello?']);

    // The click, as the browser dispatches it to the worker: the open tab goes to the conversation.
    expect(new URL(bob.page.url()).pathname).toBe('/');
    const [worker] = bob.context.serviceWorkers();
    await worker!.evaluate(async () => {
      // A worker's globals, which the page's DOM types do not describe.
      const scope = self as unknown as {
        registration: ServiceWorkerRegistration;
        dispatchEvent(event: Event): boolean;
        NotificationEvent: new (type: string, init: { notification: Notification }) => Event;
      };
      const [notification] = await scope.registration.getNotifications();
      scope.dispatchEvent(new scope.NotificationEvent('notificationclick', { notification: notification! }));
    });
    await bob.page.waitForURL(`${origin}/c/${id}`);
    await expect.poll(() => shownBodies(bob.page)).toEqual(['Are you coming tonight?']);
    await expect.poll(shown).toEqual([]);
  });

  it('offers notifications once, after the first message, and asks the browser only when that is chosen', async () => {
    const alice = await app.person(uniqueName('alice'));
    const bob = await app.person(uniqueName('bob'));
    // Counts the browser's permission prompts (the page itself never sees one in a headless browser).
    for (const person of [alice, bob]) {
      await person.context.addInitScript(() => {
        const ask = Notification.requestPermission.bind(Notification);
        Object.assign(window, { permissionAsked: 0 });
        Notification.requestPermission = () => {
          Object.assign(window, { permissionAsked: (window as unknown as { permissionAsked: number }).permissionAsked + 1 });
          return ask();
        };
      });
      await person.page.reload();
    }
    const asked = (person: typeof alice) =>
      person.page.evaluate(() => (window as unknown as { permissionAsked: number }).permissionAsked);
    const hint = (person: typeof alice) => person.page.getByTestId('notification-hint');

    await openConversation(alice, bob.username);
    expect(await hint(alice).count()).toBe(0);
    await send(alice, 'first');
    await hint(alice).waitFor();
    expect(await asked(alice)).toBe(0);
    await hint(alice).getByRole('button', { name: 'Not now' }).click();
    await hint(alice).waitFor({ state: 'detached' });
    await send(alice, 'second');
    // Both stored before the reload, and the chat opened from the list after it (its address is
    // the conversation's only once the first send is stored).
    await expect.poll(() => alice.page.locator('[data-state="sent"]').count()).toBe(2);
    await alice.page.reload();
    await openChat(alice, bob.username);
    await send(alice, 'third');
    await expect.poll(() => shownBodies(alice.page)).toEqual(['first', 'second', 'third']);
    expect(await hint(alice).count()).toBe(0);
    expect(await asked(alice)).toBe(0);

    await bob.context.grantPermissions(['notifications'], { origin: app.harness.server.url });
    await openChat(bob, alice.username);
    await send(bob, 'hello');
    await hint(bob).getByRole('button', { name: 'Turn on notifications' }).click();
    await expect.poll(() => asked(bob)).toBe(1);
    const scope = await bob.page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
    expect(scope).toBe(`${app.harness.server.url}/`);
  });

  it('mutes a conversation from its menu: a muted mark in the list, and its unread out of the tab title', async () => {
    const alice = await app.person(uniqueName('alice'));
    const bob = await app.person(uniqueName('bob'));
    await openConversation(alice, bob.username);
    await send(alice, 'one');
    const row = chatRow(bob.page, alice.username);
    await row.click();
    await bob.page.getByLabel('Conversation menu').click();
    await bob.page.getByRole('button', { name: 'Mute 8 hours' }).click();
    await row.getByTestId('muted').waitFor();
    await bob.page.getByRole('radio', { name: 'Mentions only' }).check();
    await expect.poll(() => bob.page.getByRole('radio', { name: 'Mentions only' }).isChecked()).toBe(true);
    // To the list, where a new message counts as unread (loaded again: the mute is the server's).
    await bob.page.goto(`${app.harness.server.url}/`);
    await row.getByTestId('muted').waitFor();
    await send(alice, 'two');
    await expect.poll(() => row.getByTestId('unread').textContent()).toMatch(/^1/);
    expect(await bob.page.title()).toBe('Chat');
    await row.click();
    await bob.page.getByLabel('Conversation menu').click();
    await bob.page.getByRole('button', { name: 'Unmute' }).click();
    await expect.poll(() => row.getByTestId('muted').count()).toBe(0);
  });
});
