import { randomBytes } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { TestServer } from './server.ts';

export const PASSWORD = 'Lantern-Tulip-1987';

export interface GraphQLResponse<T = Record<string, any>> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string; field?: string; [key: string]: unknown } }>;
}

export const uniqueName = (prefix = 'user') => `${prefix}_${randomBytes(4).toString('hex')}`;

/** One GraphQL request over HTTP, as any client would send it. */
export async function gql<T = Record<string, any>>(
  server: Pick<TestServer, 'url'>,
  query: string,
  variables: Record<string, unknown> = {},
  options: { token?: string; headers?: Record<string, string> } = {},
): Promise<GraphQLResponse<T> & { response: Response }> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token && { authorization: `Bearer ${options.token}` }),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as GraphQLResponse<T>;
  return { ...body, response };
}

export interface TestUser {
  id: string;
  username: string;
  token: string;
}

export async function signup(server: Pick<TestServer, 'url'>, username = uniqueName()): Promise<TestUser> {
  const result = await gql<{ signup: { token: string; user: { id: string; username: string } } }>(
    server,
    `mutation ($username: String!, $email: String!, $password: String!) {
      signup(username: $username, email: $email, password: $password) { token user { id username } }
    }`,
    { username, email: `${username.replace(/[^\w]/g, '')}@example.com`, password: PASSWORD },
  );
  if (!result.data) throw new Error(`signup failed: ${JSON.stringify(result.errors)}`);
  return { ...result.data.signup.user, token: result.data.signup.token };
}

/** `count` new people at once. */
export const signupMany = (server: Pick<TestServer, 'url'>, count: number) =>
  Promise.all(Array.from({ length: count }, () => signup(server)));

export const MESSAGE_FIELDS = 'id body clientId createdAt sender { id username } receiver { id username }';

export interface WireMessage {
  id: string;
  body: string;
  clientId: string | null;
  createdAt: string;
  sender: { id: string; username: string };
  receiver: { id: string; username: string };
}

export async function sendMessage(
  server: Pick<TestServer, 'url'>,
  from: TestUser,
  to: string,
  body: string,
  clientId?: string,
) {
  return gql<{ sendMessage: WireMessage }>(
    server,
    `mutation ($to: String!, $body: String!, $clientId: String) { sendMessage(to: $to, body: $body, clientId: $clientId) { ${MESSAGE_FIELDS} } }`,
    { to, body, clientId },
    { token: from.token },
  );
}

/** A graphql-ws client that does not retry, so a refused connection shows as an error. */
export function wsClient(
  server: Pick<TestServer, 'wsUrl'>,
  authToken?: string,
  options: { headers?: Record<string, string> } = {},
): Client {
  return createClient({
    url: server.wsUrl,
    webSocketImpl: class extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers: options.headers });
      }
    },
    connectionParams: authToken ? { authToken } : undefined,
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
  });
}

/**
 * Everything a subscription yields, with waits that have deadlines: `until(n)`
 * resolves once n events arrived and rejects, saying what did arrive, when
 * the deadline passes first.
 */
export class Subscription<T> {
  readonly events: T[] = [];
  error: unknown;
  completed = false;
  private readonly waiters = new Set<() => void>();
  readonly dispose: () => void;

  constructor(client: Client, query: string, variables: Record<string, unknown>, field: string) {
    this.dispose = client.subscribe<Record<string, T>>(
      { query, variables },
      {
        next: (result) => {
          if (result.errors) this.error = result.errors;
          if (result.data) this.events.push(result.data[field]!);
          this.notify();
        },
        error: (error) => {
          this.error = error;
          this.notify();
        },
        complete: () => {
          this.completed = true;
          this.notify();
        },
      },
    );
  }

  private notify() {
    for (const waiter of this.waiters) waiter();
  }

  /** Resolves when `predicate` holds; rejects at the deadline or on an error. */
  waitFor(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (predicate()) return done(resolve);
        if (this.error !== undefined)
          return done(() => reject(new Error(`${what}: subscription failed: ${describe(this.error)}`)));
      };
      const timer = setTimeout(
        () =>
          done(() =>
            reject(new Error(`${what}: timed out after ${timeoutMs} ms with ${this.events.length} events`)),
          ),
        timeoutMs,
      );
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        settle();
      };
      this.waiters.add(check);
      check();
    });
  }

  async until(count: number, timeoutMs?: number): Promise<T[]> {
    await this.waitFor(() => this.events.length >= count, `waiting for ${count} events`, timeoutMs);
    return this.events;
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object' && 'code' in error) {
    const event = error as { code: number; reason?: string };
    return `closed ${event.code} ${event.reason ?? ''}`;
  }
  return JSON.stringify(error);
}

export function subscribeToConversation(client: Client, peer: string, after?: string) {
  return new Subscription<WireMessage>(
    client,
    `subscription ($peer: String!, $after: ID) { messageAdded(peer: $peer, after: $after) { ${MESSAGE_FIELDS} } }`,
    { peer, after },
    'messageAdded',
  );
}

/** Resolves once the client is connected (and acknowledged), rejects when it is closed first. */
export function connected(client: Client, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const stops: Array<() => void> = [];
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      for (const stop of stops) stop();
      settle();
    };
    const timer = setTimeout(() => finish(() => reject(new Error('not connected in time'))), timeoutMs);
    stops.push(client.on('connected', () => finish(resolve)));
    stops.push(
      client.on('closed', (event) =>
        finish(() => reject(Object.assign(new Error('closed before connecting'), { event }))),
      ),
    );
  });
}
