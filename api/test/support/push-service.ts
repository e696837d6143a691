import { createECDH, createPublicKey, randomBytes, verify, type ECDH } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import ece from 'http_ece';
import { waitUntil } from './waits.ts';

/**
 * A stand-in for a browser vendor's push service (RFC 8030), on HTTPS with the certificate in
 * `fixtures/push-tls` (which the API project's config trusts through NODE_EXTRA_CA_CERTS). It
 * checks what a real one checks — the VAPID JWT (RFC 8292: ES256 signature by the `k` key, `aud`,
 * `exp`, `sub`) and the TTL, Topic and Urgency headers — and decrypts each payload (RFC 8291,
 * aes128gcm) with the subscription's private key, as the browser would. It answers what a test
 * asks for: 201 by default, or 404, 410, 429, 500, or never.
 */

export const PUSH_TLS_DIR = resolve(import.meta.dirname, '../fixtures/push-tls');

export interface ReceivedPush {
  payload: { conversationId: string; messageId: string; title: string; body: string };
  ttl: string | undefined;
  topic: string | undefined;
  urgency: string | undefined;
  claims: { aud: string; exp: number; sub: string };
  /** The VAPID JWT itself (an ES256 signature differs each time it is made). */
  jwt: string;
  /** performance.now() when the request arrived. */
  at: number;
}

/** What the service answers a request with: a status, or no answer at all. */
export type Answer = number | 'hang';

export interface BrowserSubscription {
  endpoint: string;
  p256dh: string;
  auth: string;
  /** Every push answered 201, in order. */
  received: ReceivedPush[];
  /** Every request, whatever the answer. */
  attempts: number;
  /** Answers to give, first first; once used up, 201. */
  answers: Answer[];
}

export interface PushServiceStub {
  /** A new browser's subscription at this service: its keys are made here and never leave the test. */
  subscribe(): BrowserSubscription;
  /** Requests refused because something a push service checks was wrong: a test expects none. */
  problems: string[];
  /** Answers every request left hanging. */
  releaseHanging(): void;
  close(): Promise<void>;
}

interface Entry {
  subscription: BrowserSubscription;
  ecdh: ECDH;
}

export async function startPushService(expected: { publicKey: () => string; subject: string }): Promise<PushServiceStub> {
  const entries = new Map<string, Entry>();
  const problems: string[] = [];
  const hanging = new Set<() => void>();
  const server: Server = createServer(
    { key: readFileSync(`${PUSH_TLS_DIR}/key.pem`), cert: readFileSync(`${PUSH_TLS_DIR}/cert.pem`) },
    (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const at = performance.now();
        const entry = entries.get(request.url ?? '');
        if (!entry || request.method !== 'POST') return void response.writeHead(404).end();
        entry.subscription.attempts += 1;
        const answer = entry.subscription.answers.shift() ?? 201;
        if (answer === 'hang') {
          hanging.add(() => response.writeHead(201).end());
          return;
        }
        try {
          const { claims, jwt } = checkVapid(request.headers.authorization, expected.publicKey(), `https://${request.headers.host}`);
          if (claims.sub !== expected.subject) throw new Error(`sub is ${claims.sub}`);
          if (request.headers['content-encoding'] !== 'aes128gcm') throw new Error('not aes128gcm');
          const plain = ece.decrypt(Buffer.concat(chunks), {
            version: 'aes128gcm',
            privateKey: entry.ecdh,
            authSecret: entry.subscription.auth,
          });
          if (answer === 201)
            entry.subscription.received.push({
              payload: JSON.parse(plain.toString('utf8')),
              ttl: request.headers.ttl as string | undefined,
              topic: request.headers.topic as string | undefined,
              urgency: request.headers.urgency as string | undefined,
              claims,
              jwt,
              at,
            });
          response.writeHead(answer).end();
        } catch (error) {
          problems.push(String(error));
          response.writeHead(400).end();
        }
      });
    },
  );
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  return {
    subscribe() {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const path = `/push/${randomBytes(8).toString('hex')}`;
      const subscription: BrowserSubscription = {
        endpoint: `https://127.0.0.1:${port}${path}`,
        p256dh: ecdh.getPublicKey().toString('base64url'),
        auth: randomBytes(16).toString('base64url'),
        received: [],
        attempts: 0,
        answers: [],
      };
      entries.set(path, { subscription, ecdh });
      return subscription;
    },
    problems,
    releaseHanging() {
      for (const release of hanging) release();
      hanging.clear();
    },
    async close() {
      for (const release of hanging) release();
      server.closeAllConnections();
      await new Promise((closed) => server.close(closed));
    },
  };
}

/** Checks `Authorization: vapid t=<JWT>, k=<key>` and returns the JWT's claims. */
function checkVapid(header: string | undefined, publicKey: string, origin: string) {
  const match = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(header ?? '');
  if (!match) throw new Error(`no VAPID authorization: ${header}`);
  const [, token, key] = match as unknown as [string, string, string];
  if (key !== publicKey) throw new Error('k is not the server’s public key');
  const [head, body, signature] = token.split('.') as [string, string, string];
  const point = Buffer.from(key, 'base64url');
  const jwk = {
    kty: 'EC',
    crv: 'P-256',
    x: point.subarray(1, 33).toString('base64url'),
    y: point.subarray(33, 65).toString('base64url'),
  };
  const signed = verify(
    'sha256',
    Buffer.from(`${head}.${body}`),
    { key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  if (!signed) throw new Error('the JWT signature does not verify');
  if (JSON.parse(Buffer.from(head, 'base64url').toString()).alg !== 'ES256') throw new Error('not ES256');
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as { aud: string; exp: number; sub: string };
  if (claims.aud !== origin) throw new Error(`aud is ${claims.aud}, not ${origin}`);
  const now = Date.now() / 1000;
  if (!(claims.exp > now && claims.exp <= now + 24 * 3600)) throw new Error(`exp ${claims.exp} is not within a day`);
  return { claims, jwt: token };
}

/** Waits until `subscription` has received `count` pushes. */
export const receivedPushes = (subscription: BrowserSubscription, count: number, timeoutMs = 10_000) =>
  waitUntil(() => subscription.received.length >= count, `${count} push(es) at ${subscription.endpoint}`, timeoutMs).then(
    () => subscription.received,
  );
