import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { uniqueName } from '../../api/test/support/clients.ts';
import {
  conversationId,
  openConversation,
  seriousA11yProblems,
  send,
  shownBodies,
  type Person,
  useWebApp,
} from './browser.ts';

const app = useWebApp();

const person = (prefix: string, options: { viewport?: { width: number; height: number } } = {}) =>
  app.person(uniqueName(prefix), options);

/** Sends messages straight through the API, as `who`. */
const sendThroughApi = (who: Person, conversation: string, bodies: string[]) =>
  who.page.evaluate(
    async ([id, texts]) => {
      for (const body of texts) {
        await fetch('/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            query:
              'mutation($id: ID, $body: String!) { sendMessage(conversationId: $id, body: $body) { id } }',
            variables: { id, body },
          }),
        });
      }
    },
    [conversation, bodies] as const,
  );

/** Two people in a direct conversation, `a` having said `first`; its id. */
async function chatting(a: Person, b: Person, first: string): Promise<string> {
  await openConversation(a, b.username);
  await send(a, first);
  await a.page.locator('[data-state="sent"]').first().waitFor();
  return conversationId(a.page);
}

const hits = (page: Page) => page.getByTestId('search-hit');
/** Each result's marked parts. */
const marked = (page: Page) =>
  hits(page).evaluateAll((found) =>
    found.map((hit) => [...hit.querySelectorAll('mark')].map((mark) => mark.textContent)),
  );

describe('message search in the web client', () => {
  it('finds as you type with the matches marked, opens a result at its message far back in the history, and Back returns to the results', async () => {
    const [alice, bob] = [await person('alice'), await person('bob')];
    const id = await chatting(bob, alice, 'the Unicorn plan is ready');
    await sendThroughApi(
      bob,
      id,
      Array.from({ length: 45 }, (_, n) => `filler ${String(n).padStart(2, '0')}`),
    );

    const page = alice.page;
    await page.goto('/');
    const field = page.getByLabel('Search messages');
    await field.waitFor();
    await page.keyboard.press('Control+k');
    await expect.poll(() => field.evaluate((element) => element === document.activeElement)).toBe(true);
    await page.keyboard.type('unicorn');
    await expect.poll(() => marked(page), { timeout: 15_000 }).toEqual([['Unicorn']]);
    expect(await hits(page).first().textContent()).toContain(bob.username);
    expect(await seriousA11yProblems(page)).toEqual([]);

    await hits(page).first().click();
    const original = page
      .getByTestId('message')
      .filter({ has: page.locator('.body', { hasText: 'the Unicorn plan' }) });
    await expect
      .poll(() => original.evaluate((element) => element.classList.contains('highlighted')), {
        timeout: 15_000,
      })
      .toBe(true);
    const inView = await original.evaluate((element) => {
      const [shown, list] = [element.getBoundingClientRect(), element.closest('ol')!.getBoundingClientRect()];
      return shown.top >= list.top && shown.bottom <= list.bottom;
    });
    expect(inView).toBe(true);
    // Older history was loaded as far as the message: a page of 40 would not hold it.
    expect((await shownBodies(page)).length).toBeGreaterThan(40);

    await page.goBack();
    await page.waitForURL((url) => url.pathname === '/');
    expect(await marked(page)).toEqual([['Unicorn']]);
  });

  it('says when nothing matched, and searches one conversation from its header', async () => {
    const [alice, bob, carol] = [await person('alice'), await person('bob'), await person('carol')];
    const withBob = await chatting(alice, bob, 'narwhal with bob');
    await chatting(alice, carol, 'narwhal with carol');
    const page = alice.page;

    await page.getByLabel('Search messages').fill('zebracorn nowhere');
    await page.getByRole('status').filter({ hasText: 'No messages match' }).waitFor({ timeout: 15_000 });

    await page.getByLabel('Search messages').fill('narwhal');
    await expect.poll(() => hits(page).count(), { timeout: 15_000 }).toBe(2);
    await page.goto(`/c/${withBob}`);
    await page.getByRole('button', { name: 'Search in this conversation' }).click();
    await page.getByTestId('search-scope').filter({ hasText: bob.username }).waitFor();
    await page.getByLabel('Search messages').fill('narwhal');
    await expect
      .poll(async () => (await hits(page).allTextContents()).join('|'), { timeout: 15_000 })
      .toContain('narwhal with bob');
    expect(await hits(page).count()).toBe(1);
  });

  it('takes the whole screen on a phone, and gives it to the conversation once a result is chosen', async () => {
    const alice = await person('alice', { viewport: { width: 390, height: 800 } });
    const bob = await person('bob');
    await chatting(bob, alice, 'the quokka photo');
    const page = alice.page;
    await page.goto('/');
    await page.getByLabel('Search messages').fill('quokka');
    await hits(page).first().waitFor({ timeout: 15_000 });
    const box = await page.getByRole('list', { name: 'Search results' }).boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    expect(await page.locator('main').isVisible()).toBe(false);

    await hits(page).first().click();
    await page.getByLabel(/^Message to /).waitFor();
    expect(await page.getByLabel('Search messages').isVisible()).toBe(false);
    await page.goBack();
    await hits(page).first().waitFor();
  });
});
