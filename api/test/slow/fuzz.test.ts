import fc from 'fast-check';
import WebSocket from 'ws';
import { beforeAll, describe, expect, it } from 'vitest';
import { signup, type TestUser } from '../support/clients.ts';
import { useTestServer } from '../support/harness.ts';

const harness = useTestServer({ env: { NODE_ENV: 'production' } });
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  [alice, bob] = await Promise.all([signup(harness.server), signup(harness.server)]);
});

const INTERNALS = /\bat \S+ \(|node_modules|prisma|\.ts:\d|SELECT |INSERT |stack/i;

const words = [
  'query',
  'mutation',
  'subscription',
  'me',
  'users',
  'conversation',
  'sendMessage',
  'signup',
  'login',
  'logout',
  'messageAdded',
  'inbox',
  'edges',
  'node',
  'id',
  'body',
  'sender',
  'receiver',
  'username',
  'cursor',
  'pageInfo',
  'peer',
  'to',
  'first',
  'last',
  'after',
  'before',
  'search',
  '__schema',
  '__type',
  '__typename',
  'fragment',
  'on',
  '...',
  '{',
  '}',
  '(',
  ')',
  ':',
  '$x',
  '$y',
  '@include',
  '@skip',
  'if',
  'true',
  'null',
  '"x"',
  '1',
  '-1',
  '1e9',
  '[',
  ']',
  '!',
  'Int',
  'String',
  'ID',
  '=',
  ',',
  '#',
  '"""',
  '\\u0000',
];

const documents = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.array(fc.constantFrom(...words), { maxLength: 80 }).map((tokens) => tokens.join(' ')),
  fc.constantFrom(
    '{ me { id username } }',
    'query ($peer: String!) { conversation(peer: $peer, last: 5) { edges { node { id body } } } }',
    'mutation ($to: String!, $body: String!) { sendMessage(to: $to, body: $body) { id } }',
    '{ users(search: "a", first: 3) { edges { node { username } } } }',
  ),
);

const jsonValue = fc.jsonValue({ maxDepth: 3 });
const variables = fc.oneof(
  fc.constant(undefined),
  fc.dictionary(fc.constantFrom('peer', 'to', 'body', 'x', 'y', 'first', 'after'), jsonValue, { maxKeys: 4 }),
  jsonValue,
);

async function post(body: string | Blob, contentType = 'application/json') {
  const response = await fetch(`${harness.server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': contentType, authorization: `Bearer ${alice.token}` },
    body,
  });
  return { status: response.status, text: await response.text() };
}

describe('fuzzing (fast-check)', () => {
  it('10,000 generated GraphQL documents and variables: no 5xx, no internals', async () => {
    const failures: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        documents,
        variables,
        fc.option(fc.string({ maxLength: 20 })),
        async (query, vars, operationName) => {
          const resolvedVars =
            vars && typeof vars === 'object' && !Array.isArray(vars) && 'to' in vars
              ? { ...vars, to: bob.username }
              : vars;
          const { status, text } = await post(
            JSON.stringify({ query, variables: resolvedVars, operationName }),
          );
          if (status >= 500 || INTERNALS.test(text))
            failures.push(`${status} ${query} -> ${text.slice(0, 200)}`);
        },
      ),
      { numRuns: 10_000, seed: 20261124 },
    );
    expect(failures).toEqual([]);
  });

  it('5,000 malformed HTTP bodies: no 5xx, no internals', async () => {
    const bodies = fc.oneof(
      fc.string({ maxLength: 500 }),
      fc.uint8Array({ maxLength: 500 }).map((bytes) => new Blob([bytes])),
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc.string({ maxLength: 100 }).map((text) => `{"query": ${text}`),
    );
    const types = fc.constantFrom(
      'application/json',
      'application/json; charset=utf-16',
      'application/graphql-response+json',
      'text/plain',
      '',
    );
    const failures: string[] = [];
    await fc.assert(
      fc.asyncProperty(bodies, types, async (body, type) => {
        const { status, text } = await post(body, type);
        if (status >= 500 || INTERNALS.test(text))
          failures.push(`${status} ${type} -> ${text.slice(0, 200)}`);
      }),
      { numRuns: 5_000, seed: 20261124 },
    );
    expect(failures).toEqual([]);
  });

  it('100 sockets of 50 junk WebSocket frames: each ends as the protocol says, no internals, the server keeps serving', async () => {
    const frames = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
      fc
        .record({
          type: fc.constantFrom(
            'connection_init',
            'subscribe',
            'complete',
            'ping',
            'pong',
            'next',
            'error',
            'junk',
          ),
          id: fc.option(fc.string({ maxLength: 10 })),
          payload: fc.option(fc.jsonValue({ maxDepth: 2 })),
        })
        .map((value) => JSON.stringify(value)),
    );
    const batches = fc.sample(fc.array(frames, { minLength: 50, maxLength: 50 }), {
      numRuns: 100,
      seed: 20261124,
    });
    const problems: string[] = [];
    const closeCodes = new Map<number, number>();
    for (const batch of batches) {
      const socket = new WebSocket(harness.server.wsUrl, 'graphql-transport-ws', {
        headers: { authorization: '' },
      });
      const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
      socket.on('message', (data: Buffer) => {
        const text = data.toString();
        if (INTERNALS.test(text)) problems.push(`leaked: ${text.slice(0, 200)}`);
      });
      socket.on('error', () => undefined);
      // The junk goes to an acknowledged connection, where every message type is live.
      const acknowledged = new Promise<boolean>((resolve) => {
        socket.once('message', (data: Buffer) => {
          resolve((JSON.parse(data.toString()) as { type?: unknown }).type === 'connection_ack');
        });
        socket.once('close', () => resolve(false));
      });
      await new Promise((resolve) => socket.on('open', resolve));
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authToken: alice.token } }));
      if (!(await acknowledged)) problems.push('a valid connection_init was not acknowledged');
      for (const frame of batch) if (socket.readyState === WebSocket.OPEN) socket.send(frame);
      if (socket.readyState === WebSocket.OPEN) socket.close(1000);
      const code = await closed;
      closeCodes.set(code, (closeCodes.get(code) ?? 0) + 1);
    }
    for (const type of ['next', 'error', 'connection_ack']) {
      const socket = new WebSocket(harness.server.wsUrl, 'graphql-transport-ws');
      const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
      await new Promise((resolve) => socket.on('open', resolve));
      socket.send(JSON.stringify({ type, id: '1', payload: {} }));
      if ((await closed) !== 4400) problems.push(`a client's ${type} frame was not refused with 4400`);
    }
    expect(problems).toEqual([]);
    // Each socket ends with our own close answered (1000) or the server's 44xx refusal of a frame it
    // read, never an internal error (1011, graphql-ws's 4500) or a dropped connection (1006).
    const codes = [...closeCodes.keys()];
    expect(codes.filter((code) => code !== 1000 && (code < 4400 || code > 4499))).toEqual([]);
    expect(codes).toContain(4400);
    const health = await fetch(`${harness.server.url}/healthz`);
    expect(health.status).toBe(200);
  });
});
