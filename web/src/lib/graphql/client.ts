import { Client, fetchExchange, subscriptionExchange } from '@urql/core';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';

export interface Transport {
  urql: Client;
  ws: WsClient;
}

/**
 * One urql client for the app over one graphql-ws socket, kept open so the
 * connection indicator is truthful and retried forever with backoff. While the
 * socket is up every operation rides it (no request to parse, no session to
 * look up per send); while it is down queries and mutations go over HTTP, the
 * session cookie riding along, so the outbox keeps its one path of retries.
 */
export function createTransport(
  /** The wait before reconnect attempt `retries` (the connection state's backoff). */
  retryWait: (retries: number) => Promise<void>,
  origin: URL = new URL(window.location.href),
): Transport {
  const ws = createWsClient({
    url: `${origin.protocol === 'https:' ? 'wss:' : 'ws:'}//${origin.host}/graphql`,
    lazy: false,
    keepAlive: 10_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    retryWait,
  });
  let socketUp = false;
  ws.on('connected', () => (socketUp = true));
  ws.on('closed', () => (socketUp = false));
  // The browser knows it is offline before the socket does: sends take HTTP (and fail at once,
  // so the outbox says why), and the socket is dropped now rather than at its next ping.
  window.addEventListener('offline', () => {
    socketUp = false;
    ws.terminate();
  });
  const urql = new Client({
    url: '/graphql',
    fetchOptions: { credentials: 'same-origin' },
    requestPolicy: 'network-only',
    exchanges: [
      subscriptionExchange({
        isSubscriptionOperation: (operation) => operation.kind === 'subscription' || socketUp,
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({
            unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink),
          }),
        }),
      }),
      fetchExchange,
    ],
  });
  return { urql, ws };
}
