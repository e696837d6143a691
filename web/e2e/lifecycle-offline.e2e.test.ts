import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { uniqueName } from '../../api/test/support/clients.ts';
import { FaultProxy } from '../../api/test/support/fault-proxy.ts';
import { conversationId, openConversation, send, shownBodies, type Person, useWebApp } from './browser.ts';

const app = useWebApp();
const { harness } = app;

const person = (prefix: string, baseUrl = harness.server.url) => app.person(uniqueName(prefix), { baseUrl });

const waitForBodies = (page: Page, expected: string[], timeout = 15_000) =>
  expect.poll(() => shownBodies(page), { timeout, interval: 100 }).toEqual(expected);

/** The bubble of the message that says `text`. */
const bubble = (page: Page, text: string) =>
  page.getByTestId('message').filter({ has: page.locator('.body', { hasText: text }) });

async function menuItem(page: Page, text: string, item: string) {
  await bubble(page, text).hover();
  await bubble(page, text).getByRole('button', { name: 'Message actions' }).click();
  await page.getByRole('menuitem', { name: item }).click();
}

/** Two people in a direct conversation, both with it open, each having said one thing. */
async function chatting(a: Person, b: Person) {
  await openConversation(a, b.username);
  await send(a, 'hello');
  await a.page.locator('[data-state="sent"]').first().waitFor();
  await b.page.goto(`/c/${await conversationId(a.page)}`);
  await send(b, 'from bob');
  await waitForBodies(a.page, ['hello', 'from bob']);
  await waitForBodies(b.page, ['hello', 'from bob']);
}

describe('changes made offline', () => {
  it('wait in the outbox, show at once, and reach the other person in order; changes to an unsent message change the queued send', async () => {
    const [alice, bob] = [await person('alice'), await person('bob')];
    await chatting(alice, bob);
    const page = alice.page;
    const editor = page.getByLabel('Edit message');
    await alice.context.setOffline(true);

    // First in the queue, the reaction: the outbox retries it alone, so what is queued after it is
    // never on its way, and changes to it change the queue.
    await menuItem(page, 'from bob', 'React 👍');
    await bubble(page, 'from bob').getByTestId('reaction').waitFor();
    await send(alice, 'tpyo');
    await bubble(page, 'tpyo').waitFor();
    await page.getByLabel(/^Message to /).press('ArrowUp');
    await editor.fill('typo fixed');
    await editor.press('Enter');
    await menuItem(page, 'hello', 'Edit');
    await editor.fill('hello there');
    await editor.press('Enter');
    await send(alice, 'doomed');
    await bubble(page, 'doomed').waitFor();
    await menuItem(page, 'doomed', 'Delete');
    await page.getByRole('button', { name: 'Delete for everyone' }).click();

    // Shown as they will be, marked as not through yet; the other person has none of it.
    await waitForBodies(page, ['hello there', 'from bob', 'typo fixed']);
    await bubble(page, 'hello there').getByText('saving…').waitFor();
    expect(await bubble(page, 'from bob').getByTestId('reaction').textContent()).toBe('👍 1');
    expect(await shownBodies(bob.page)).toEqual(['hello', 'from bob']);

    await alice.context.setOffline(false);
    await waitForBodies(bob.page, ['hello there', 'from bob', 'typo fixed'], 30_000);
    await expect
      .poll(() => bubble(bob.page, 'from bob').getByTestId('reaction').textContent())
      .toBe('👍 1')
      .catch(async (error: unknown) => {
        // What alice's side holds tells a reaction refused or still queued from one lost on the way.
        const outbox = await page.evaluate(() =>
          Object.entries(localStorage).filter(([key]) => key.startsWith('chat.outbox')),
        );
        const shown = await bubble(page, 'from bob').textContent();
        throw new Error(`${String(error)}\nalice's outbox: ${JSON.stringify(outbox)}\nalice's bubble: ${shown}`, {
          cause: error,
        });
      });
    // The unsent message was sent as edited: no earlier text, no edited mark.
    expect(await bubble(bob.page, 'typo fixed').getByRole('button', { name: /edited/ }).count()).toBe(0);
    await bubble(bob.page, 'hello there').getByRole('button', { name: /edited/ }).waitFor();
    await bob.page.reload();
    await waitForBodies(bob.page, ['hello there', 'from bob', 'typo fixed']);
  });
});

describe('a resumed stream', () => {
  it('brings a message written and edited while the connection was away', async () => {
    const proxy = await FaultProxy.start({ host: '127.0.0.1', port: Number(new URL(harness.server.url).port) });
    harness.defer(() => proxy.stop());
    const [alice, bob] = [await person('alice', `http://127.0.0.1:${proxy.port}`), await person('bob')];
    await chatting(alice, bob);
    const badge = alice.page.getByRole('status');
    const status = () => badge.getAttribute('data-status');
    await expect.poll(status).toBe('connected');

    proxy.cut();
    await expect.poll(status, { timeout: 30_000 }).toBe('reconnecting');
    await send(bob, 'written while away');
    await bob.page.locator('[data-state="sent"]').nth(1).waitFor();
    await bob.page.getByLabel(/^Message to /).press('ArrowUp');
    await bob.page.getByLabel('Edit message').fill('written and edited while away');
    await bob.page.getByLabel('Edit message').press('Enter');
    await bubble(bob.page, 'written and edited').getByRole('button', { name: /edited/ }).waitFor();
    proxy.restore();

    await expect.poll(status, { timeout: 30_000 }).toBe('connected');
    await waitForBodies(alice.page, ['hello', 'from bob', 'written and edited while away']);
    await bubble(alice.page, 'written and edited').getByRole('button', { name: /edited/ }).waitFor();
  });
});
