import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { uniqueName } from '../../api/test/support/clients.ts';
import { connectSql } from '../../api/test/support/database.ts';
import { conversationId, openConversation, send, shownBodies, type Person, useWebApp } from './browser.ts';

/**
 * UNAVAILABLE means "not known to be stored": the outbox retries with the same clientId, and the
 * server stores the message once, whether the first attempt was stored (its answer lost) or not.
 */
const app = useWebApp();
const { harness } = app;

const person = (prefix: string): Promise<Person> => app.person(uniqueName(prefix));
const waitForBodies = (page: Page, expected: string[], timeout = 30_000) =>
  expect.poll(() => shownBodies(page), { timeout, interval: 100 }).toEqual(expected);

const UNAVAILABLE = {
  data: null,
  errors: [
    {
      message: 'The service is temporarily unavailable. Try again shortly.',
      extensions: { code: 'UNAVAILABLE' },
    },
  ],
};

type Fault = 'stored, its answer lost' | 'not stored';
type Frame = { id?: string; type: string; payload?: { query?: string; variables?: Record<string, unknown> } };

/**
 * Intercepts the first send of `body` on the page's graphql-ws socket, where the client sends
 * while it is connected, with `fault`; every other frame goes through. The page reloads, so its
 * next socket is the intercepted one.
 */
async function failFirstSend(page: Page, body: string, fault: Fault) {
  let faulted: string | undefined;
  await page.routeWebSocket('**/graphql', (socket) => {
    const server = socket.connectToServer();
    const answerUnavailable = (id: string) => {
      socket.send(JSON.stringify({ id, type: 'next', payload: UNAVAILABLE }));
      socket.send(JSON.stringify({ id, type: 'complete' }));
    };
    socket.onMessage((data) => {
      const frame = JSON.parse(String(data)) as Frame;
      const isTheSend =
        frame.type === 'subscribe' &&
        frame.payload?.query?.includes('SendMessage') &&
        JSON.stringify(frame.payload.variables).includes(body);
      if (faulted === undefined && isTheSend) {
        faulted = frame.id!;
        // The server never hears of it.
        if (fault === 'not stored') return answerUnavailable(faulted);
      }
      server.send(data);
    });
    server.onMessage((data) => {
      const frame = JSON.parse(String(data)) as Frame;
      // The server stored it; the browser is told it is not known to be stored.
      if (frame.id !== undefined && frame.id === faulted && fault === 'stored, its answer lost') {
        if (frame.type === 'next') answerUnavailable(frame.id);
        return;
      }
      socket.send(data);
    });
  });
  await page.reload();
  await page.locator('[data-status="connected"]').waitFor();
  return () => faulted !== undefined;
}

async function storedCopies(conversation: string, body: string): Promise<number> {
  const sql = await connectSql(harness.database.url);
  try {
    const { rows } = await sql.query('SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1 AND body = $2', [
      Number(conversation),
      body,
    ]);
    return rows[0].n as number;
  } finally {
    await sql.end();
  }
}

describe('the outbox after UNAVAILABLE', () => {
  for (const what of ['stored, its answer lost', 'not stored'] as const) {
    it(`ends with exactly one copy when the first attempt was ${what}`, async () => {
      const [alice, bob] = [await person('alice'), await person('bob')];
      await openConversation(alice, bob.username);
      await send(alice, 'hello');
      await waitForBodies(alice.page, ['hello']);
      const id = await conversationId(alice.page);
      const body = `once, ${what}`;
      const intercepted = await failFirstSend(alice.page, body, what);
      await send(alice, body);

      await bob.page.goto(`/c/${id}`);
      await waitForBodies(bob.page, ['hello', body]);
      await expect.poll(() => alice.page.locator('[data-state="sent"]').count(), { timeout: 30_000 }).toBe(2);
      expect(intercepted()).toBe(true);
      expect(await storedCopies(id, body)).toBe(1);
      await bob.page.reload();
      await waitForBodies(bob.page, ['hello', body]);
    });
  }
});

describe('sending while the socket is down', () => {
  it('goes over HTTP, and the message is stored once', async () => {
    const [alice, bob] = [await person('alice'), await person('bob')];
    await openConversation(alice, bob.username);
    await send(alice, 'hello');
    await waitForBodies(alice.page, ['hello']);
    const id = await conversationId(alice.page);
    // Every socket the page opens from now on is closed before it connects.
    await alice.page.routeWebSocket('**/graphql', (socket) => socket.close({ code: 1011, reason: 'down' }));
    const posts: string[] = [];
    alice.page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/graphql')) posts.push(request.postData() ?? '');
    });
    await alice.page.reload();
    await alice.page.locator('[data-status="reconnecting"], [data-status="connecting"]').first().waitFor();
    await send(alice, 'over HTTP');

    await bob.page.goto(`/c/${id}`);
    await waitForBodies(bob.page, ['hello', 'over HTTP']);
    expect(posts.some((post) => post.includes('SendMessage') && post.includes('over HTTP'))).toBe(true);
    expect(await storedCopies(id, 'over HTTP')).toBe(1);
  });
});
