import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, sendMessage, signup, type TestUser } from './support/clients.ts';
import { directConversation, setTyping } from './support/chat-events.ts';
import { createTestDatabase } from './support/database.ts';
import { FaultProxy } from './support/fault-proxy.ts';
import { startMain, type MainProcess } from './support/main-process.ts';
import { waitUntil } from './support/waits.ts';

/**
 * Work nobody awaits (a timer's callback, a publish after the answer) fails when
 * PostgreSQL goes away. Node ends a process on an unhandled rejection, so each
 * such piece of work is run by the Background runner, which logs it. Here the
 * real process (`main.ts`, its backstops included) loses PostgreSQL under a
 * typing lapse and keeps serving.
 */
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let proxy: FaultProxy;
let main: MainProcess & { stop: () => void };
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  database = await createTestDatabase();
  const target = new URL(database.url);
  proxy = await FaultProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
  main = await startMain(proxy.rewrite(database.url), { TYPING_LAPSE: '200ms' });
  [alice, bob] = [await signup(main.server), await signup(main.server)];
});

afterAll(async () => {
  main?.stop();
  await proxy?.stop();
  await database?.drop();
});

const healthy = async () => (await fetch(`${main.server.url}/healthz`)).status === 200;

describe('PostgreSQL gone under work nobody awaits', () => {
  it('logs the failed end of a typing lapse and keeps serving', async () => {
    const conversationId = await directConversation(main.server, alice, bob);
    expect((await setTyping(main.server, alice, conversationId)).data?.setTyping).toBe(true);
    proxy.cut();
    try {
      // The lapse fires with PostgreSQL away: telling the others needs their ids.
      await waitUntil(() => main.output().includes('telling of typing failed'), 'the lapse to fail and be logged');
      expect(await healthy()).toBe(true);
      // A retried send in the outage is answered, not left to crash anything.
      const retried = await sendMessage(main.server, alice, bob.username, 'again', 'retry-in-outage');
      expect(retried.errors?.[0]?.extensions?.code).toBe('UNAVAILABLE');
    } finally {
      proxy.restore();
    }
    expect(main.child.exitCode).toBeNull();
    expect(main.output()).not.toContain('unhandled rejection');
    const after = await gql(main.server, 'query { me { username } }', {}, { token: alice.token });
    expect(after.data?.me.username).toBe(alice.username);
  });
});
