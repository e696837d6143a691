import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { queryCost } from '../src/graphql/query-cost.ts';
import { schema } from '../src/graphql/schema.ts';
import { queryLimits } from '../src/graphql/yoga.ts';
import { connected, gql, sendMessage, signup, Subscription, wsClient } from './support/clients.ts';
import { useTestServer } from './support/harness.ts';

const harness = useTestServer();

const NODE = 'id body clientId createdAt sender { id username } receiver { id username }';
const page = (size: string) =>
  `conversation(peer: $peer, last: ${size}) { edges { cursor node { ${NODE} } } pageInfo { hasPreviousPage startCursor } }`;
const costOf = (query: string, variableValues: Record<string, unknown> = {}) =>
  queryCost({ schema, document: parse(query), variableValues }, queryLimits);

describe('query cost', () => {
  it('weighs a connection by its page size, whether literal, variable or default', () => {
    const literal = costOf(`query ($peer: String!) { ${page('200')} }`);
    expect(costOf(`query ($peer: String!, $n: Int) { ${page('$n')} }`, { n: 200 })).toBe(literal);
    expect(costOf(`query ($peer: String!) { ${page('50')} }`)).toBeLessThan(literal / 3);
    // A page over the largest is refused by its resolver with a clear error; it costs the largest.
    expect(costOf(`query ($peer: String!) { ${page('100000')} }`)).toBe(literal);
    expect(costOf(`query ($peer: String!) { conversation(peer: $peer) { edges { node { id } } } }`)).toBe(
      costOf(`query ($peer: String!) { conversation(peer: $peer, last: 50) { edges { node { id } } } }`),
    );
    // Fragments count where they are spread, as often as they are spread.
    expect(
      costOf(
        `query ($peer: String!) { a: conversation(peer: $peer, last: 200) { ...Page } b: conversation(peer: $peer, last: 200) { ...Page } }
         fragment Page on MessageConnection { edges { cursor node { ${NODE} } } pageInfo { hasPreviousPage startCursor } }`,
      ),
    ).toBe(2 * literal);
  });

  it('refuses page sizes passed as variables that multiply past the limit, before executing, over HTTP and graphql-ws', async () => {
    const [alice, bob] = await Promise.all([signup(harness.server), signup(harness.server)]);
    await sendMessage(harness.server, alice, bob.username, 'hello');
    const query = `query ($peer: String!, $n: Int) { ${Array.from({ length: 14 }, (_, index) => `c${index}: ${page('$n')}`).join(' ')} }`;
    const variables = { peer: bob.username, n: 200 };

    const overHttp = await gql(harness.server, query, variables, { token: alice.token });
    expect(overHttp.errors!.map((error) => error.message).join('\n')).toMatch(/cost limit/i);
    // Refused before execution: not even `data: null`.
    expect(overHttp).not.toHaveProperty('data');

    const client = wsClient(harness.server, alice.token);
    harness.defer(() => client.dispose());
    await connected(client);
    const overWs = new Subscription(client, query, variables, 'c0');
    await overWs.waitFor(() => overWs.error !== undefined, 'the cost error');
    expect(JSON.stringify(overWs.error)).toMatch(/cost limit/i);
    expect(overWs.events).toEqual([]);

    // The same shape within the limit runs: one full page.
    const one = await gql(harness.server, `query ($peer: String!, $n: Int) { ${page('$n')} }`, variables, {
      token: alice.token,
    });
    expect(one.errors).toBeUndefined();
    expect(one.data!.conversation.edges).toHaveLength(1);
  });
});
