import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from '../../api/test/support/clients.ts';
import { FaultProxy } from '../../api/test/support/fault-proxy.ts';
import { useTestServer } from '../../api/test/support/harness.ts';
import { launchBrowser, newPerson, openConversation, send, shownBodies, type Person } from './browser.ts';

const SCREENSHOTS = resolve(import.meta.dirname, '../../docs/screenshots');

const harness = useTestServer({ env: { WEB_DIST_DIR: resolve(import.meta.dirname, '../dist') } });
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function person(prefix: string, baseUrl = harness.server.url): Promise<Person> {
  const created = await newPerson(browser, baseUrl, uniqueName(prefix));
  harness.defer(() => created.context.close());
  return created;
}

const waitForBodies = (who: Person, expected: string[]) =>
  expect.poll(() => shownBodies(who.page), { timeout: 15_000, interval: 100 }).toEqual(expected);

describe('the web client', () => {
  it('lets two people sign up and chat both ways live; a reload shows the history', async () => {
    const loginPage = await browser.newPage({
      baseURL: harness.server.url,
      viewport: { width: 1280, height: 800 },
    });
    await loginPage.goto('/login/');
    await loginPage.screenshot({ path: `${SCREENSHOTS}/login.png` });
    await loginPage.close();

    const alice = await person('alice');
    const bob = await person('bob');
    await openConversation(alice, bob.username);
    await openConversation(bob, alice.username);

    await send(alice, 'Hi Bob!');
    await waitForBodies(bob, ['Hi Bob!']);
    await send(bob, 'Hello Alice, how are you?');
    await send(alice, 'Great, thanks — and this arrives live.');
    const conversation = ['Hi Bob!', 'Hello Alice, how are you?', 'Great, thanks — and this arrives live.'];
    await waitForBodies(alice, conversation);
    await waitForBodies(bob, conversation);
    await expect.poll(() => alice.page.locator('[data-state="sent"]').count()).toBe(3);

    await alice.page.screenshot({ path: `${SCREENSHOTS}/conversation-desktop.png` });
    await alice.page.setViewportSize({ width: 390, height: 844 });
    await alice.page.screenshot({ path: `${SCREENSHOTS}/conversation-phone.png` });
    await alice.page.setViewportSize({ width: 1280, height: 800 });

    await bob.page.reload();
    await openConversation(bob, alice.username);
    await waitForBodies(bob, conversation);
  });

  it('shows an unread mark on a conversation that got a message while another was open', async () => {
    const [carol, dave, erin] = [await person('carol'), await person('dave'), await person('erin')];
    await openConversation(carol, dave.username);
    await openConversation(erin, carol.username);
    await send(erin, 'psst, Carol');
    const erinRow = carol.page
      .locator('nav.people li button')
      .filter({ has: carol.page.getByText(erin.username, { exact: true }) });
    await carol.page.getByPlaceholder('Find a person…').fill(erin.username);
    await erinRow.getByTestId('unread').waitFor();
    await erinRow.click();
    await waitForBodies(carol, ['psst, Carol']);
    expect(await erinRow.getByTestId('unread').count()).toBe(0);
  });

  it('shows the connection dropping, then delivers what was sent meanwhile, once each', async () => {
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
    proxy.restore();

    await expect.poll(() => badge.getAttribute('data-status'), { timeout: 30_000 }).toBe('connected');
    await waitForBodies(frank, ['before the cut', 'while you were away 1', 'while you were away 2']);
    await send(frank, 'back!');
    await waitForBodies(grace, ['before the cut', 'while you were away 1', 'while you were away 2', 'back!']);
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
