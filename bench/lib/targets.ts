import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { Account } from './protocol.ts';

/** One person's connection to a chat server under test, whatever its protocol. */
export interface Endpoint {
  /** Resolves true once the server accepted it (at once where the protocol has no acknowledgement). */
  send(to: string, body: string, clientId: string): Promise<boolean>;
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

const SEND =
  'mutation ($t: String!, $b: String!, $c: String) { sendMessage(to: $t, body: $b, clientId: $c) { id } }';
const MESSAGE_ADDED = 'subscription ($p: String!) { messageAdded(peer: $p) { body sender { username } } }';
const INBOX = 'subscription { inbox { id } }';

export async function graphqlClient(wsUrl: string, me: Account): Promise<Client> {
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authToken: me.token },
    lazy: false,
    retryAttempts: 0,
  });
  await new Promise<void>((resolve, reject) => {
    client.on('connected', () => resolve());
    client.on('closed', (event) => reject(new Error(`closed ${(event as { code?: number }).code}`)));
  });
  return client;
}

/** Subscribes to the conversation with `peer` and hands on what `peer` sends. */
export function subscribeToPeer(
  client: Client,
  me: Account,
  peer: string,
  receive: Receive,
  errors: ErrorCount,
) {
  client.subscribe<{ messageAdded: { body: string; sender: { username: string } } }>(
    { query: MESSAGE_ADDED, variables: { p: peer } },
    {
      next: ({ data }) => {
        const message = data?.messageAdded;
        if (message && message.sender.username !== me.username) receive(message.body);
      },
      error: () => errors.count++,
      complete: () => undefined,
    },
  );
}

/** The web client's other subscription: unread marks for every conversation. */
export function subscribeToInbox(client: Client, errors: ErrorCount) {
  client.subscribe(
    { query: INBOX },
    { next: () => undefined, error: () => errors.count++, complete: () => undefined },
  );
}

export function sendOverGraphQL(
  client: Client,
  to: string,
  body: string,
  clientId: string,
): Promise<boolean> {
  return new Promise((resolve) => {
    let ok = false;
    client.subscribe(
      { query: SEND, variables: { t: to, b: body, c: clientId } },
      {
        next: ({ errors }) => void (ok = !errors),
        error: () => resolve(false),
        complete: () => resolve(ok),
      },
    );
  });
}

/** GraphQL: `messageAdded(peer)` and `sendMessage`, both over the person's one graphql-ws socket. */
export async function graphqlEndpoint(
  wsUrl: string,
  me: Account,
  peer: string,
  receive: Receive,
  errors: ErrorCount,
): Promise<Endpoint> {
  const client = await graphqlClient(wsUrl, me);
  subscribeToPeer(client, me, peer, receive, errors);
  return {
    send: (to, body, clientId) => sendOverGraphQL(client, to, body, clientId),
    close: () => client.dispose() as Promise<void>,
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
    send: (_to, body) => {
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
    send: (to, body) => {
      socket.send(JSON.stringify({ to, body }));
      return Promise.resolve(true);
    },
    close: () => closed(socket),
  };
}
