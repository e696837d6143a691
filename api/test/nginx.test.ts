import { execFileSync } from 'node:child_process';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connected,
  sendMessage,
  signup,
  subscribeToConversation,
  wsClient,
  type TestUser,
} from './support/clients.ts';
import { ChatSocket } from './support/compat-clients.ts';
import { createTestDatabase } from './support/database.ts';
import { NGINX, NGINX_CONFIG, startNginx } from './support/nginx.ts';
import { startTestServer, testRedisUrl, uniqueRedisPrefix, type TestServer } from './support/server.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let instances: TestServer[] = [];
let nginx: Awaited<ReturnType<typeof startNginx>> | undefined;
let proxied: { url: string; wsUrl: string };
const disposers: Array<() => unknown> = [];

/** How many sockets each instance holds, from its own /readyz. */
async function socketsPerInstance() {
  return Promise.all(
    instances.map(
      async (instance) =>
        ((await (await fetch(`${instance.url}/readyz`)).json()) as { sockets: number }).sockets,
    ),
  );
}

beforeAll(async () => {
  database = await createTestDatabase();
  const redis = { url: testRedisUrl(), prefix: uniqueRedisPrefix() };
  instances = await Promise.all(
    [1, 2].map(() => startTestServer({ databaseUrl: database.url, redis, env: { TRUST_PROXY: 'true' } })),
  );
  nginx = await startNginx(instances.map((instance) => new URL(instance.url).host));
  proxied = nginx;
});
afterAll(async () => {
  for (const dispose of disposers.reverse()) await dispose();
  nginx?.stop();
  await Promise.all(instances.map((instance) => instance.stop()));
  await database?.drop();
});

/** Opens connections through nginx until one lands on a different instance than `taken`. */
async function onOtherInstance<T>(
  open: () => Promise<T>,
  close: (connection: T) => unknown,
  taken: number,
): Promise<T> {
  for (let attempt = 0; attempt < 6; attempt++) {
    const connection = await open();
    const counts = await socketsPerInstance();
    if (counts[1 - taken]! > 0) return connection;
    await close(connection);
  }
  throw new Error('nginx never balanced a connection to the other instance');
}

describe('nginx.conf', () => {
  it('passes nginx -t', () => {
    const output = execFileSync(NGINX, ['-t', '-c', NGINX_CONFIG], { encoding: 'utf8', stdio: 'pipe' });
    expect(output).toBe('');
  });

  it('passes the security headers through once each', async () => {
    const response = await fetch(`${proxied.url}/login/`, { headers: { 'accept-encoding': 'gzip' } });
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('referrer-policy')).toBe('same-origin');
    expect(response.headers.get('permissions-policy')).toContain('camera=()');
    expect(response.headers.get('server')).toBe('nginx');
  });

  it('lets two people on different instances chat both ways, over GraphQL and the compat socket, each message once', async () => {
    const [alice, bob] = await Promise.all([signup(proxied), signup(proxied)]);
    const known = (await sendMessage(proxied, alice, bob.username, 'known')).data!.sendMessage.id;

    const openGraphQL = async (user: TestUser) => {
      const client = wsClient(proxied, user.token);
      await connected(client);
      return client;
    };
    const aliceClient = await openGraphQL(alice);
    disposers.push(() => aliceClient.dispose());
    const aliceInstance = (await socketsPerInstance()).findIndex((count) => count > 0);
    const bobClient: Client = await onOtherInstance(
      () => openGraphQL(bob),
      (client) => client.dispose(),
      aliceInstance,
    );
    disposers.push(() => bobClient.dispose());
    expect(await socketsPerInstance()).toEqual([1, 1]);

    const aliceSees = subscribeToConversation(aliceClient, bob.username, known);
    const bobSees = subscribeToConversation(bobClient, alice.username, known);
    const first = (await sendMessage(proxied, alice, bob.username, 'hi from alice')).data!.sendMessage;
    const second = (await sendMessage(proxied, bob, alice.username, 'hi from bob')).data!.sendMessage;
    expect(await aliceSees.until(2)).toEqual([first, second]);
    expect(await bobSees.until(2)).toEqual([first, second]);

    await aliceClient.dispose();
    await bobClient.dispose();
    const aliceSocket = await ChatSocket.open(proxied, alice.username, bob.username, alice.token);
    disposers.push(() => aliceSocket.close());
    const socketCounts = await socketsPerInstance();
    const aliceSocketInstance = socketCounts.findIndex((count) => count > 0);
    const bobSocket = await onOtherInstance(
      () => ChatSocket.open(proxied, bob.username, alice.username, bob.token),
      async (socket) => {
        socket.close();
        await socket.closed();
      },
      aliceSocketInstance,
    );
    disposers.push(() => bobSocket.close());

    aliceSocket.send({ message: 'compat from alice' });
    await bobSocket.messages(1);
    bobSocket.send({ message: 'compat from bob' });
    for (const socket of [aliceSocket, bobSocket]) {
      const frames = await socket.messages(2);
      expect(frames.map((frame) => frame.message)).toEqual(['compat from alice', 'compat from bob']);
    }
  });
});
