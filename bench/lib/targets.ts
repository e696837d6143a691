import { Agent, request } from 'node:http';
import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { EventsSubscription } from '../../web/src/lib/graphql/documents/events.ts';
import { SendMessageMutation } from '../../web/src/lib/graphql/documents/messages.ts';
import type { Account } from './protocol.ts';

/** Where a message goes: a person (a direct conversation) or a conversation by id (a group). */
export type SendTarget = { to: string } | { conversationId: string };

/** One person's connection to a chat server under test, whatever its protocol. */
export interface Endpoint {
  /** Resolves true once the server accepted it (at once where the protocol has no acknowledgement). */
  send(target: SendTarget, body: string, clientId: string): Promise<boolean>;
  close(): Promise<void>;
}

/** Called with each message body that reaches a person from someone else. */
export type Receive = (body: string) => void;

/** Counts the errors a server reports on its own, outside any one send. */
export interface ErrorCount {
  count: number;
}

const opened = (socket: WebSocket) =>
  new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`upgrade refused: ${response.statusCode}`)),
    );
  });

const closed = (socket: WebSocket) =>
  new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
    socket.close();
  });

// The web client's own documents, so that the server parses, validates and executes what it would.
const SEND = print(SendMessageMutation);
const EVENTS = print(EventsSubscription);

const wsUrlOf = (baseUrl: string) => `${baseUrl.replace(/^http/, 'ws')}/graphql`;

const sendVariables = (target: SendTarget, body: string, clientId: string) => ({
  conversationId: 'conversationId' in target ? target.conversationId : null,
  to: 'to' in target ? target.to : null,
  body,
  clientId,
});

export async function graphqlClient(baseUrl: string, me: Account): Promise<Client> {
  const client = createClient({
    url: wsUrlOf(baseUrl),
    webSocketImpl: WebSocket,
    connectionParams: { authToken: me.token },
    lazy: false,
    retryAttempts: 0,
    // A socket that closes is seen through 'closed' below and counted by the caller, not printed.
    onNonLazyError: () => undefined,
  });
  await new Promise<void>((resolve, reject) => {
    client.on('connected', () => resolve());
    client.on('closed', (event) => reject(new Error(`closed ${(event as { code?: number }).code}`)));
  });
  return client;
}

/** What the web client holds on its socket: one `events` stream; hands on the messages others send. */
export function subscribeToEvents(client: Client, me: Account, receive: Receive, errors: ErrorCount) {
  client.subscribe<{
    events: { __typename: string; message?: { body: string; sender: { username: string } } };
  }>(
    { query: EVENTS, variables: { after: null } },
    {
      next: ({ data }) => {
        const message = data?.events.message;
        if (message && message.sender.username !== me.username) receive(message.body);
      },
      error: () => errors.count++,
      complete: () => undefined,
    },
  );
}

/** The id of the conversation a send went to, or null if it was refused. */
type Sent = string | null;
type SendResult = { data?: { sendMessage?: { conversation: { id: string } } } | null; errors?: unknown };
const sentTo = (result: SendResult): Sent =>
  (!result.errors && result.data?.sendMessage?.conversation.id) || null;

function sendOverSocket(client: Client, target: SendTarget, body: string, clientId: string) {
  return new Promise<Sent>((resolve) => {
    let sent: Sent = null;
    client.subscribe(
      { query: SEND, variables: sendVariables(target, body, clientId) },
      {
        next: (result) => void (sent = sentTo(result as SendResult)),
        error: () => resolve(null),
        complete: () => resolve(sent),
      },
    );
  });
}

/**
 * A GraphQL request over HTTP/1.1 with the session cookie, as a browser makes
 * it: on `agent`'s kept-alive connections. `node:http` rather than `fetch`,
 * whose per-request cost would be the generator's, not the server's.
 */
export function postGraphQL(
  agent: Agent,
  baseUrl: string,
  me: Account,
  payload: { query: string; operationName?: string; variables?: Record<string, unknown> },
): Promise<{ status: number; data?: Record<string, unknown>; errors?: unknown }> {
  const body = JSON.stringify(payload);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      `${baseUrl}/graphql`,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          cookie: `sessionid=${me.token}`,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          try {
            const parsed = JSON.parse(Buffer.concat(chunks).toString()) as {
              data?: Record<string, unknown>;
              errors?: unknown;
            };
            resolve({ status: response.statusCode ?? 0, ...parsed });
          } catch {
            reject(new Error(`not JSON (HTTP ${response.statusCode})`));
          }
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** A browser's connections to one origin: kept alive, at most six. */
export const browserAgent = () => new Agent({ keepAlive: true, maxSockets: 6 });

/** As the web client sends while its socket is down: a POST to /graphql with the session cookie, looked up on each request. */
async function sendOverHttp(
  agent: Agent,
  baseUrl: string,
  me: Account,
  target: SendTarget,
  body: string,
  clientId: string,
) {
  try {
    const result = await postGraphQL(agent, baseUrl, me, {
      operationName: 'SendMessage',
      query: SEND,
      variables: sendVariables(target, body, clientId),
    });
    return result.status === 200 ? sentTo(result) : null;
  } catch {
    return null;
  }
}

/**
 * The chat server's GraphQL: `events` on the person's one graphql-ws socket, and
 * `sendMessage` over HTTP (`via: 'http'`, the web client's way while its socket is down) or on that
 * socket (the web client's way while it is up).
 */
export async function graphqlEndpoint(
  baseUrl: string,
  me: Account,
  via: 'http' | 'socket',
  receive: Receive,
  errors: ErrorCount,
): Promise<Endpoint> {
  const client = await graphqlClient(baseUrl, me);
  subscribeToEvents(client, me, receive, errors);
  const agent = browserAgent();
  // As the web client does: a person by name until the conversation has an id, then by its id.
  const conversationIds = new Map<string, string>();
  return {
    send: async (target, body, clientId) => {
      const known = 'to' in target ? conversationIds.get(target.to) : undefined;
      const addressed = known === undefined ? target : { conversationId: known };
      const sent =
        via === 'http'
          ? await sendOverHttp(agent, baseUrl, me, addressed, body, clientId)
          : await sendOverSocket(client, addressed, body, clientId);
      if (sent !== null && 'to' in target) conversationIds.set(target.to, sent);
      return sent !== null;
    },
    close: async () => {
      agent.destroy();
      await client.dispose();
    },
  };
}

/** The original chat's socket: `/ws/chat/<me>/<peer>/` with the session cookie. */
export async function compatEndpoint(
  baseUrl: string,
  me: Account,
  peer: string,
  receive: Receive,
  errors: ErrorCount,
): Promise<Endpoint> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws/chat/${me.username}/${peer}/`, {
    headers: { cookie: `sessionid=${me.token}` },
  });
  await opened(socket);
  socket.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString()) as { message?: string; sender?: string; error?: string };
    if (frame.error) errors.count++;
    else if (frame.message !== undefined && frame.sender !== me.username) receive(frame.message);
  });
  return {
    send: (_target, body) => {
      socket.send(JSON.stringify({ message: body }));
      return Promise.resolve(true);
    },
    close: () => closed(socket),
  };
}

/** The reference relays' protocol: `?user=NAME`, `{"to","body"}` in, `{"from","body"}` out. */
export async function relayEndpoint(relayUrl: string, me: Account, receive: Receive): Promise<Endpoint> {
  const socket = new WebSocket(`${relayUrl}/?user=${me.username}`);
  await opened(socket);
  socket.on('message', (data: Buffer) => receive((JSON.parse(data.toString()) as { body: string }).body));
  return {
    send: (target, body) => {
      if (!('to' in target)) throw new Error('the reference relays know people, not groups');
      socket.send(JSON.stringify({ to: target.to, body }));
      return Promise.resolve(true);
    },
    close: () => closed(socket),
  };
}
