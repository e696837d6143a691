import { Client, fetchExchange, subscriptionExchange } from '@urql/core';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';

export interface Transport {
  urql: Client;
  ws: WsClient;
}

/**
 * One urql client for the app: queries and mutations over HTTP (the session
 * cookie rides along), subscriptions over one graphql-ws socket, kept open
 * so the connection indicator is truthful and retried forever with backoff.
 */
export function createTransport(origin: URL = new URL(window.location.href)): Transport {
  const ws = createWsClient({
    url: `${origin.protocol === 'https:' ? 'wss:' : 'ws:'}//${origin.host}/graphql`,
    lazy: false,
    keepAlive: 10_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    retryWait: async (retries) => {
      const delay = Math.min(1_000 * 2 ** retries, 15_000) * (0.5 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, delay));
    },
  });
  const urql = new Client({
    url: '/graphql',
    fetchOptions: { credentials: 'same-origin' },
    requestPolicy: 'network-only',
    exchanges: [
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({
            unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink),
          }),
        }),
      }),
    ],
  });
  return { urql, ws };
}
