import { describe, expect, it } from 'vitest';
import { uniqueName } from '../../api/test/support/clients.ts';
import { FaultProxy } from '../../api/test/support/fault-proxy.ts';
import {
  chatList,
  chatRow,
  openChat,
  openConversation,
  send,
  shownBodies,
  type Person,
  useWebApp,
} from './browser.ts';

const app = useWebApp();
const { harness } = app;

const person = (prefix: string, baseUrl = harness.server.url): Promise<Person> =>
  app.person(uniqueName(prefix), { baseUrl });

const waitForBodies = (who: Person, expected: string[]) =>
  expect.poll(() => shownBodies(who.page), { timeout: 15_000, interval: 100 }).toEqual(expected);

describe('the web client', () => {
  it('lets two people sign up and chat both ways live; a reload shows the history', async () => {
    const alice = await app.person(uniqueName('alice'), { signUp: 'form' });
    const bob = await app.person(uniqueName('bob'), { signUp: 'form' });
    await openConversation(alice, bob.username);
    await openConversation(bob, alice.username);

    await send(alice, 'Hi Bob!');
    await waitForBodies(bob, ['Hi Bob!']);
    await send(bob, 'Hello Alice, how are you?');
    // Alice answers what she read: sent before that arrived, hers could be stored first.
    await waitForBodies(alice, ['Hi Bob!', 'Hello Alice, how are you?']);
    await send(alice, 'Great, thanks — and this arrives live.');
    const conversation = ['Hi Bob!', 'Hello Alice, how are you?', 'Great, thanks — and this arrives live.'];
    await waitForBodies(alice, conversation);
    await waitForBodies(bob, conversation);
    await expect.poll(() => alice.page.locator('[data-state="sent"]').count()).toBe(3);

    await bob.page.reload();
    await openChat(bob, alice.username);
    await waitForBodies(bob, conversation);
  });

  it('shows an unread mark on a conversation that got a message while another was open', async () => {
    const [carol, dave, erin] = [await person('carol'), await person('dave'), await person('erin')];
    await openConversation(carol, dave.username);
    await openConversation(erin, carol.username);
    await send(erin, 'psst, Carol');
    const erinRow = chatRow(carol.page, erin.username);
    await erinRow.getByTestId('unread').waitFor();
    await erinRow.locator('button').click();
    await waitForBodies(carol, ['psst, Carol']);
    // Opening it reads it: the badge goes once the server has the new read position.
    await expect.poll(() => erinRow.getByTestId('unread').count()).toBe(0);
  });

  it('shows the connection dropping, reconnects at once on "Retry now", then delivers what was sent meanwhile, once each', async () => {
    const proxy = await FaultProxy.start({
      host: '127.0.0.1',
      port: Number(new URL(harness.server.url).port),
    });
    harness.defer(() => proxy.stop());
    const frank = await person('frank', `http://127.0.0.1:${proxy.port}`);
    const grace = await person('grace');
    await openConversation(frank, grace.username);
    await openConversation(grace, frank.username);
    const badge = frank.page.getByRole('status');
    await expect.poll(() => badge.getAttribute('data-status')).toBe('connected');
    await send(grace, 'before the cut');
    await waitForBodies(frank, ['before the cut']);

    proxy.cut();
    await expect.poll(() => badge.getAttribute('data-status'), { timeout: 30_000 }).toBe('reconnecting');
    await send(grace, 'while you were away 1');
    await send(grace, 'while you were away 2');
    await waitForBodies(grace, ['before the cut', 'while you were away 1', 'while you were away 2']);
    // Once the backoff has grown to a wait of 4 s or more, "Retry now" must beat it by far.
    const secondsToNextAttempt = async () =>
      Number((await frank.page.getByTestId('next-attempt').textContent())?.match(/in (\d+) s/)?.[1] ?? 0);
    await expect.poll(secondsToNextAttempt, { timeout: 30_000, interval: 100 }).toBeGreaterThanOrEqual(4);
    proxy.restore();
    await frank.page.getByRole('button', { name: 'Retry now' }).click();
    await expect.poll(() => badge.getAttribute('data-status'), { timeout: 2_500, interval: 100 }).toBe('connected');
    await waitForBodies(frank, ['before the cut', 'while you were away 1', 'while you were away 2']);
    await send(frank, 'back!');
    await waitForBodies(grace, ['before the cut', 'while you were away 1', 'while you were away 2', 'back!']);
  });

  it('opens chats from the keyboard alone: arrows and Enter through the people found, Enter on a chat, the focus in the composer', async () => {
    const stem = uniqueName('kb');
    const [kim, first, second] = [await person('kim'), await person(`${stem}_1`), await person(`${stem}_2`)];
    const { page } = kim;
    /** The composer's id, or the name on the person or chat focused. */
    const focused = () =>
      page.evaluate(() => document.activeElement?.id || document.activeElement?.querySelector('.title')?.textContent);
    await page.getByPlaceholder('Find a person…').focus();
    await page.keyboard.type(stem);
    await expect.poll(() => page.locator('ul.people li button').count()).toBe(2);
    const [one, two] = await page.locator('ul.people li button .title').allTextContents();
    expect([one, two].sort()).toEqual([first.username, second.username].sort());

    for (const [key, expected] of [
      ['ArrowDown', one],
      ['ArrowDown', two],
      ['ArrowDown', two], // the last stays
      ['ArrowUp', one],
      ['ArrowDown', two],
    ] as const) {
      await page.keyboard.press(key);
      expect(await focused()).toBe(expected);
    }
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: two, exact: true }).waitFor();
    await expect.poll(focused).toBe('composer');
    await page.keyboard.type('typed without a mouse');
    await page.keyboard.press('Enter');
    await expect.poll(() => shownBodies(page)).toEqual(['typed without a mouse']);

    // ↑ from the first result goes back to the search field.
    await page.getByPlaceholder('Find a person…').focus();
    await page.keyboard.type(one!);
    await expect.poll(() => page.locator('ul.people li button').count()).toBe(1);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).placeholder)).toBe('Find a person…');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: one, exact: true }).waitFor();
    await expect.poll(focused).toBe('composer');

    // Enter on a row of the chat list opens it, the focus in its composer.
    await chatRow(page, two!).locator('button').focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: two, exact: true }).waitFor();
    await expect.poll(focused).toBe('composer');
  });

  it('does not let a third person see a conversation', async () => {
    const [heidi, ivan, judy] = [await person('heidi'), await person('ivan'), await person('judy')];
    await openConversation(heidi, ivan.username);
    await send(heidi, 'just between us');
    await openConversation(ivan, heidi.username);
    await waitForBodies(ivan, ['just between us']);

    await openConversation(judy, heidi.username);
    await judy.page.getByText('No messages yet').waitFor();
    expect(await shownBodies(judy.page)).toEqual([]);
    const status = await judy.page.evaluate(
      async ([a, b]) => (await fetch(`/api/messages/${a}/${b}/`)).status,
      [heidi.username, ivan.username],
    );
    expect(status).toBe(403);
  });

  it('shows a message containing HTML as text', async () => {
    const [mallory, victor] = [await person('mallory'), await person('victor')];
    const payload =
      '<b>bold</b> <img src=x onerror="document.title=\'pwned\'"> <script>document.title="pwned"</script>';
    await openConversation(mallory, victor.username);
    await openConversation(victor, mallory.username);
    await send(mallory, payload);
    await waitForBodies(victor, [payload]);
    const bubble = victor.page.getByTestId('message').locator('.body');
    expect(await bubble.locator('b, img, script').count()).toBe(0);
    expect(await victor.page.title()).not.toBe('pwned');
  });
});

/** Waits until `who` shows `count` of their own messages as stored. */
const waitForSent = (who: Person, count: number) =>
  expect.poll(() => who.page.locator('[data-state="sent"]').count(), { timeout: 15_000 }).toBe(count);

const waitForList = (who: Person, expected: string[][]) =>
  expect.poll(() => chatList(who.page), { timeout: 15_000, interval: 100 }).toEqual(expected);

describe('conversations', () => {
  it('lists chats by latest activity with unread counts that survive a reload, and the total in the title', async () => {
    const [alice, bob, carol] = [await person('alice'), await person('bob'), await person('carol')];
    await waitForList(alice, []);
    await openConversation(bob, alice.username);
    await send(bob, 'one from bob');
    await waitForSent(bob, 1);
    await openConversation(carol, alice.username);
    await send(carol, 'one from carol');
    await waitForSent(carol, 1);
    await waitForList(alice, [
      [carol.username, '1'],
      [bob.username, '1'],
    ]);
    await send(bob, 'two from bob');
    const expected = [
      [bob.username, '2'],
      [carol.username, '1'],
    ];
    await waitForList(alice, expected);
    await expect.poll(() => alice.page.title()).toBe('(3) Chat');

    await alice.page.reload();
    await waitForList(alice, expected);
    await expect.poll(() => alice.page.title()).toBe('(3) Chat');

    // Opening a chat reads it, and the server keeps that.
    await openChat(alice, bob.username);
    await waitForBodies(alice, ['one from bob', 'two from bob']);
    await waitForList(alice, [
      [bob.username, ''],
      [carol.username, '1'],
    ]);
    await alice.page.reload();
    await waitForList(alice, [
      [bob.username, ''],
      [carol.username, '1'],
    ]);
    await expect.poll(() => alice.page.title()).toBe('(1) Chat');
  });

  it('creates a group whose member panel lists the members; messages reach every member live; the owner adds someone', async () => {
    const [alice, bob, carol, dan] = [
      await person('alice'),
      await person('bob'),
      await person('carol'),
      await person('dan'),
    ];
    await alice.page.getByRole('button', { name: 'New group' }).click();
    const dialog = alice.page.getByRole('dialog');
    await dialog.getByLabel('Group name').fill('Weekend plans');
    for (const member of [bob, carol]) {
      await dialog.getByPlaceholder('Find people…').fill(member.username);
      await dialog.getByLabel(member.username, { exact: true }).check();
    }
    await dialog.getByRole('button', { name: 'Create group' }).click();
    await alice.page.getByRole('heading', { name: 'Weekend plans', exact: true }).waitFor();
    // The member list is a panel opened from the line under the title.
    const members = async (who: Person) => {
      const panel = who.page.getByTestId('members-panel');
      if (!(await panel.isVisible())) await who.page.getByTestId('member-line').click();
      return panel.getByTestId('member').locator('.name').allTextContents();
    };
    const you = (who: Person) => `${who.username} (you)`;
    await expect.poll(() => members(alice)).toEqual([you(alice), bob.username, carol.username]);
    await expect(alice.page.getByTestId('member').first().textContent()).resolves.toContain('owner');

    // The others find it in their lists without reloading.
    await openChat(bob, 'Weekend plans');
    await openChat(carol, 'Weekend plans');
    await expect.poll(() => members(bob)).toEqual([alice.username, you(bob), carol.username]);
    await send(bob, 'Saturday?');
    await waitForBodies(alice, ['Saturday?']);
    await waitForBodies(carol, ['Saturday?']);
    await expect(carol.page.getByTestId('message').locator('.sender').textContent()).resolves.toBe(
      bob.username,
    );

    // Everyone has it open: the sender sees who read it.
    await send(alice, 'Sounds good');
    const receipt = alice.page.getByTestId('receipt').last();
    await expect.poll(() => receipt.textContent(), { timeout: 15_000 }).toBe('✓✓ read by 2');
    expect((await receipt.getAttribute('title'))?.split(', ').sort()).toEqual(
      [bob.username, carol.username].sort(),
    );

    await alice.page.getByRole('button', { name: 'Add people' }).click();
    await alice.page.getByPlaceholder('Find people…').fill(dan.username);
    await alice.page.getByLabel(dan.username, { exact: true }).check();
    await alice.page.getByRole('button', { name: 'Add', exact: true }).click();
    await expect
      .poll(() => carol.page.getByTestId('system').allTextContents(), { timeout: 15_000 })
      .toContainEqual(expect.stringContaining(dan.username));
    await expect.poll(() => members(bob)).toContain(dan.username);
    await openChat(dan, 'Weekend plans');
    await waitForBodies(dan, ['Saturday?', 'Sounds good']);

    // Only the owner renames; anyone leaves, and the group leaves their list.
    expect(await bob.page.getByRole('button', { name: 'Rename' }).count()).toBe(0);
    await alice.page.getByRole('button', { name: 'Rename' }).click();
    await alice.page.getByLabel('New name').fill('Sunday plans');
    await alice.page.getByRole('button', { name: 'Save name' }).click();
    await bob.page.getByRole('heading', { name: 'Sunday plans', exact: true }).waitFor();
    await members(carol);
    await carol.page.getByRole('button', { name: 'Leave group' }).click();
    await carol.page.getByRole('dialog', { name: 'Leave Sunday plans?' }).getByRole('button', { name: 'Leave' }).click();
    await waitForList(carol, []);
    await expect.poll(() => members(alice)).toEqual([you(alice), bob.username, dan.username]);
    await expect
      .poll(() => bob.page.getByTestId('system').allTextContents())
      .toContainEqual(expect.stringContaining(carol.username));
  });

  it('shows ✓ on a sent message and ✓✓ once the peer has read it', async () => {
    const [alice, bob] = [await person('alice'), await person('bob')];
    await openConversation(alice, bob.username);
    await send(alice, 'tick me');
    const receipt = alice.page.getByTestId('receipt');
    await expect.poll(() => receipt.getAttribute('data-receipt'), { timeout: 15_000 }).toBe('sent');
    expect(await receipt.textContent()).toBe('✓sent');
    // Until bob opens the chat, it stays unread for him and unticked for alice.
    await waitForList(bob, [[alice.username, '1']]);
    expect(await receipt.getAttribute('data-receipt')).toBe('sent');
    await openChat(bob, alice.username);
    await expect.poll(() => receipt.getAttribute('data-receipt'), { timeout: 15_000 }).toBe('read');
    expect(await receipt.textContent()).toBe('✓✓read');
  });
});
