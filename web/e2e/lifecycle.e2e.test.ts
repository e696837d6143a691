import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { uniqueName } from '../../api/test/support/clients.ts';
import {
  chatRow,
  conversationId,
  openChat,
  openConversation,
  seriousA11yProblems,
  send,
  shownBodies,
  type Person,
  useWebApp,
} from './browser.ts';

const app = useWebApp();

const person = (prefix: string, options: { viewport?: { width: number; height: number }; touch?: boolean } = {}) =>
  app.person(uniqueName(prefix), options);

const waitForBodies = (page: Page, expected: string[]) =>
  expect.poll(() => shownBodies(page), { timeout: 15_000, interval: 100 }).toEqual(expected);

/** The bubble of the message that says `text` (not one quoting it). */
const bubble = (page: Page, text: string) =>
  page.getByTestId('message').filter({ has: page.locator('.body', { hasText: text }) });

/** Two people in a direct conversation, both with it open, `a` having said `first`. */
async function chatting(a: Person, b: Person, first = 'hello'): Promise<string> {
  await openConversation(a, b.username);
  await send(a, first);
  await a.page.locator('[data-state="sent"]').first().waitFor();
  const id = await conversationId(a.page);
  await b.page.goto(`/c/${id}`);
  await waitForBodies(b.page, [first]);
  return id;
}

/** Opens the actions menu of the message saying `text` the way a mouse does: hover, then ⋯. */
async function openMenu(page: Page, text: string) {
  await bubble(page, text).hover();
  await bubble(page, text).getByRole('button', { name: 'Message actions' }).click();
  return page.getByRole('menu', { name: 'Message actions' });
}

/** The reaction chips under a message, as `emoji count` with `*` where one is mine. */
const chips = (page: Page, text: string) =>
  bubble(page, text)
    .getByTestId('reaction')
    .evaluateAll((buttons) =>
      buttons.map((button) => `${button.textContent} ${button.getAttribute('aria-pressed') === 'true' ? '*' : ''}`.trim()),
    );

/** Sends messages straight through the API, as `who`. */
const sendThroughApi = (who: Person, conversation: string, bodies: string[]) =>
  who.page.evaluate(
    async ([id, texts]) => {
      for (const body of texts) {
        await fetch('/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            query: 'mutation($id: ID, $body: String!) { sendMessage(conversationId: $id, body: $body) { id } }',
            variables: { id, body },
          }),
        });
      }
    },
    [conversation, bodies] as const,
  );

describe('the message actions menu', () => {
  it('shows on hover, opens by mouse and keyboard, moves with the arrows, closes with Esc', async () => {
    const [alice, bob] = [await person('alice'), await person('bob')];
    await chatting(alice, bob, 'menu please');
    const page = bob.page;
    const trigger = bubble(page, 'menu please').getByRole('button', { name: 'Message actions' });
    const opacity = () => trigger.evaluate((element) => getComputedStyle(element).opacity);
    await page.getByRole('heading', { name: alice.username }).hover();
    expect(await opacity()).toBe('0');
    const menu = await openMenu(page, 'menu please');
    expect(await opacity()).toBe('1');
    // Someone else's message in a direct chat: nothing to edit or delete.
    expect(await menu.getByRole('menuitem').allTextContents()).toEqual(['👍', '❤️', '😂', '😮', '😢', '🙏', '+', 'Reply', 'Copy text']);
    expect(await seriousA11yProblems(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });

    // The keyboard alone: focus the trigger, Enter opens with the first item focused.
    await trigger.focus();
    await page.keyboard.press('Enter');
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent);
    await expect.poll(focused).toBe('React 👍');
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toBe('React ❤️');
    await page.keyboard.press('End');
    expect(await focused()).toBe('Copy text');
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toBe('React 👍');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    expect(await focused()).toBe('Reply');
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });
    expect(await focused()).toBe('Message actions');
    // Space opens it too.
    await page.keyboard.press(' ');
    await menu.waitFor();
  });

  it('opens with a long press on a phone, and its reaction reaches the other person', async () => {
    const phone = { width: 390, height: 844 };
    const [alice, bob] = [await person('alice'), await person('bob', { viewport: phone, touch: true })];
    await chatting(alice, bob, 'press and hold');
    const page = bob.page;
    const box = (await bubble(page, 'press and hold').boundingBox())!;
    const finger = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    const touch = await bob.context.newCDPSession(page);
    await touch.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [finger] });
    // The finger stays down until the menu is open.
    await page.getByRole('menu', { name: 'Message actions' }).waitFor();
    await touch.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    expect(await seriousA11yProblems(page)).toEqual([]);
    await page.getByRole('menuitem', { name: 'React ❤️' }).tap();
    await expect.poll(() => chips(alice.page, 'press and hold')).toEqual(['❤️ 1']);
    expect(await chips(page, 'press and hold')).toEqual(['❤️ 1 *']);
  });
});

describe('editing', () => {
  it('edits in place (Enter saves, Shift+Enter is a new line, Esc cancels), ↑ edits my last message, the history shows every text', async () => {
    const [alice, bob] = [await person('alice'), await person('bob')];
    await chatting(alice, bob, 'helo wrold');
    const page = alice.page;
    const editor = page.getByLabel('Edit message');

    await (await openMenu(page, 'helo wrold')).getByRole('menuitem', { name: 'Edit' }).click();
    expect(await editor.inputValue()).toBe('helo wrold');
    await editor.fill('not this');
    await editor.press('Escape');
    await editor.waitFor({ state: 'detached' });
    expect(await shownBodies(page)).toEqual(['helo wrold']);

    await (await openMenu(page, 'helo wrold')).getByRole('menuitem', { name: 'Edit' }).click();
    await editor.fill('hello world');
    await editor.press('Shift+Enter');
    await editor.pressSequentially('again');
    await editor.press('Enter');
    await waitForBodies(bob.page, ['hello world\nagain']);
    await bubble(bob.page, 'hello world').getByRole('button', { name: /edited/ }).waitFor();

    // ↑ in the empty composer takes my last message into the editor.
    await send(alice, 'second thougth');
    await page.locator('[data-state="sent"]').nth(1).waitFor();
    const composer = page.getByLabel(/^Message to /);
    await composer.press('ArrowUp');
    expect(await editor.inputValue()).toBe('second thougth');
    await editor.fill('second thought');
    await editor.press('Enter');
    await waitForBodies(bob.page, ['hello world\nagain', 'second thought']);

    // Every member may read the earlier texts, oldest first.
    await bubble(bob.page, 'hello world').getByRole('button', { name: /edited/ }).click();
    const history = bob.page.getByRole('dialog', { name: 'Edit history' });
    await expect
      .poll(() => history.getByTestId('revisions').locator('li p').allTextContents())
      .toEqual(['helo wrold', 'hello world\nagain']);
    expect(await seriousA11yProblems(bob.page)).toEqual([]);
  });
});

describe('deleting', () => {
  it('asks first, then the other person sees the message deleted, live', async () => {
    const [alice, bob] = [await person('alice'), await person('bob')];
    await chatting(alice, bob, 'wrong chat, sorry');
    await send(alice, 'this one stays');
    await waitForBodies(bob.page, ['wrong chat, sorry', 'this one stays']);

    await (await openMenu(alice.page, 'wrong chat')).getByRole('menuitem', { name: 'Delete' }).click();
    const dialog = alice.page.getByRole('dialog', { name: 'Delete this message?' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await shownBodies(alice.page)).toEqual(['wrong chat, sorry', 'this one stays']);

    await (await openMenu(alice.page, 'wrong chat')).getByRole('menuitem', { name: 'Delete' }).click();
    expect(await seriousA11yProblems(alice.page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Delete for everyone' }).click();
    await waitForBodies(bob.page, ['This message was deleted', 'this one stays']);
    await waitForBodies(alice.page, ['This message was deleted', 'this one stays']);
    // Nothing left to act on.
    expect(await bubble(bob.page, 'This message was deleted').getByRole('button', { name: 'Message actions' }).count()).toBe(0);
  });
});

describe('reactions', () => {
  it('toggles mine with a click, counts everyone’s live, shows who, and takes any emoji from the picker', async () => {
    const [alice, bob] = [await person('alice'), await person('bob')];
    await chatting(alice, bob, 'react to me');
    await (await openMenu(bob.page, 'react to me')).getByRole('menuitem', { name: 'React 👍' }).click();
    await expect.poll(() => chips(bob.page, 'react to me')).toEqual(['👍 1 *']);
    await expect.poll(() => chips(alice.page, 'react to me')).toEqual(['👍 1']);

    const aliceChip = bubble(alice.page, 'react to me').getByTestId('reaction');
    await aliceChip.click();
    await expect.poll(() => chips(alice.page, 'react to me')).toEqual(['👍 2 *']);
    await expect.poll(() => chips(bob.page, 'react to me')).toEqual(['👍 2 *']);
    await aliceChip.hover();
    await expect
      .poll(() => bubble(alice.page, 'react to me').getByTestId('reacted-by').textContent())
      .toBe(`👍 ${bob.username}, ${alice.username}`);

    await bubble(bob.page, 'react to me').getByTestId('reaction').click();
    await expect.poll(() => chips(alice.page, 'react to me')).toEqual(['👍 1 *']);
    await expect.poll(() => chips(bob.page, 'react to me')).toEqual(['👍 1']);

    // The full picker: searchable, styled despite the site's Content Security Policy.
    await (await openMenu(bob.page, 'react to me')).getByRole('menuitem', { name: 'More reactions' }).click();
    const picker = bob.page.locator('emoji-picker');
    await picker.locator('input[type=search]').fill('party popper');
    expect(await picker.evaluate((element) => getComputedStyle(element).getPropertyValue('--num-columns').trim())).not.toBe('');
    await picker.locator('[role=option]', { hasText: '🎉' }).first().click();
    await expect.poll(() => chips(alice.page, 'react to me')).toEqual(['👍 1 *', '🎉 1']);
  });
});

describe('replies', () => {
  it('quotes the original above the composer (Esc drops it) and in the bubble; the quote jumps to an original far back', async () => {
    const [alice, bob] = [await person('alice'), await person('bob')];
    const id = await chatting(bob, alice, 'the original');
    await sendThroughApi(bob, id, Array.from({ length: 45 }, (_, n) => `filler ${String(n).padStart(2, '0')}`));
    await bubble(alice.page, 'filler 44').waitFor();

    await (await openMenu(alice.page, 'the original')).getByRole('menuitem', { name: 'Reply' }).click();
    const draft = alice.page.getByTestId('reply-draft');
    expect(await draft.textContent()).toContain('the original');
    const composer = alice.page.getByLabel(/^Message to /);
    await composer.press('Escape');
    await draft.waitFor({ state: 'detached' });
    await (await openMenu(alice.page, 'the original')).getByRole('menuitem', { name: 'Reply' }).click();
    await composer.fill('an answer');
    await composer.press('Enter');
    await bubble(bob.page, 'an answer').getByTestId('reply-quote').filter({ hasText: 'the original' }).waitFor();

    // A fresh page holds the newest 40: the reply, not the original.
    await alice.page.reload();
    await bubble(alice.page, 'an answer').waitFor();
    expect(await shownBodies(alice.page)).not.toContain('the original');
    await bubble(alice.page, 'an answer').getByTestId('reply-quote').click();
    const original = bubble(alice.page, 'the original');
    await expect.poll(() => original.evaluate((element) => element.classList.contains('highlighted'))).toBe(true);
    const inView = await original.evaluate((element) => {
      const [shown, list] = [element.getBoundingClientRect(), element.closest('ol')!.getBoundingClientRect()];
      return shown.top >= list.top && shown.bottom <= list.bottom;
    });
    expect(inView).toBe(true);
  });
});

describe('mentions', () => {
  it('offers the members after @, highlights mentions (mine more), and marks the chat list with @', async () => {
    const [alice, bob, carol] = [await person('alice'), await person('bob'), await person('carol')];
    await alice.page.getByRole('button', { name: 'New group' }).click();
    const dialog = alice.page.getByRole('dialog');
    await dialog.getByLabel('Group name').fill('Mentions');
    for (const member of [bob, carol]) {
      await dialog.getByPlaceholder('Find people…').fill(member.username);
      await dialog.getByLabel(member.username, { exact: true }).check();
    }
    await dialog.getByRole('button', { name: 'Create group' }).click();
    await alice.page.getByRole('heading', { name: 'Mentions', exact: true }).waitFor();
    await expect.poll(() => alice.page.getByTestId('member-line').textContent()).toMatch(/^3 members/);

    const composer = alice.page.getByLabel(/^Message to /);
    await composer.pressSequentially(`look @${bob.username.slice(0, 5)}`);
    const choices = alice.page.getByRole('listbox', { name: 'Mention someone' });
    expect(await choices.getByRole('option').allTextContents()).toEqual([`@${bob.username}`]);
    await composer.press('Escape');
    await choices.waitFor({ state: 'detached' });
    await composer.fill('');
    await composer.pressSequentially('look @');
    await expect.poll(() => choices.getByRole('option').allTextContents()).toEqual([
      `@${bob.username}`,
      `@${carol.username}`,
      '@all',
      '@everyone',
    ]);
    expect(await seriousA11yProblems(alice.page)).toEqual([]);
    await composer.press('ArrowDown');
    await composer.press('ArrowUp');
    await composer.press('Enter');
    await composer.pressSequentially('here');
    expect(await composer.inputValue()).toBe(`look @${bob.username} here`);
    await composer.press('Enter');

    // Bob has the list open: an @ mark beside the unread count; carol, not named, only the count.
    await chatRow(bob.page, 'Mentions').getByTestId('mentioned').waitFor();
    await chatRow(carol.page, 'Mentions').getByTestId('unread').waitFor();
    expect(await chatRow(carol.page, 'Mentions').getByTestId('mentioned').count()).toBe(0);

    await openChat(bob, 'Mentions');
    const mention = bubble(bob.page, 'look').locator('[data-mention]');
    expect([await mention.textContent(), await mention.getAttribute('data-mention')]).toEqual([`@${bob.username}`, 'me']);
    await expect.poll(() => chatRow(bob.page, 'Mentions').getByTestId('mentioned').count()).toBe(0);
    await openChat(carol, 'Mentions');
    expect(await bubble(carol.page, 'look').locator('[data-mention]').getAttribute('data-mention')).toBe('other');
  });
});
