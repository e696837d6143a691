import { getNullableType, isListType, isObjectType, parse, type GraphQLObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { queryCost } from '../src/graphql/query-cost.ts';
import { schema } from '../src/graphql/schema.ts';
import { queryLimits } from '../src/graphql/limits.ts';
import { connected, gql, sendMessage, signup, Subscription, wsClient } from './support/clients.ts';
import { useTestServer } from './support/harness.ts';
import {
  ConversationMembersQuery,
  ConversationMessagesQuery,
  ConversationsQuery,
} from '../../web/src/lib/graphql/documents/conversations.ts';
import { EventsSubscription } from '../../web/src/lib/graphql/documents/events.ts';
import { MessageDetailsQuery } from '../../web/src/lib/graphql/documents/messages.ts';

const harness = useTestServer();

const NODE = 'id body clientId createdAt sender { id username } receiver { id username }';
const page = (size: string) =>
  `conversation(peer: $peer, last: ${size}) { edges { cursor node { ${NODE} } } pageInfo { hasPreviousPage startCursor } }`;
const costOf = (query: string, variableValues: Record<string, unknown> = {}) =>
  queryCost({ schema, document: parse(query), variableValues }, { ...queryLimits, maxGroupMembers: 256 });

describe('query cost', () => {
  it('knows how long every list can be: each list field that is not a page declares its maximum', () => {
    const undeclared = Object.values(schema.getTypeMap())
      .filter((type) => isObjectType(type) && !type.name.startsWith('__'))
      .flatMap((type) =>
        Object.values((type as GraphQLObjectType).getFields())
          .filter((field) => isListType(getNullableType(field.type)) && field.name !== 'edges')
          .filter((field) => field.extensions.maxItems === undefined)
          .map((field) => `${type.name}.${field.name}`),
      );
    expect(undeclared).toEqual([]);
  });

  it('weighs a list by the most it can hold: every conversation’s members count as a full group', () => {
    const members = 'members { user { id username presence { online lastSeenAt } } role lastReadMessageId }';
    expect(costOf(`{ conversations(first: 200) { edges { node { ${members} } } } }`)).toBeGreaterThan(
      queryLimits.maxCost * 20,
    );
    // One conversation's members fit; so does what the web client asks for.
    expect(costOf(`query ($id: ID!) { conversationById(id: $id) { ${members} } }`)).toBeLessThan(queryLimits.maxCost);
    for (const document of [
      ConversationsQuery,
      ConversationMembersQuery,
      ConversationMessagesQuery,
      MessageDetailsQuery,
      EventsSubscription,
    ])
      expect(queryCost({ schema, document }, { ...queryLimits, maxGroupMembers: 256 })).toBeLessThan(
        queryLimits.maxCost,
      );
  });

  it('lets a page of 50 messages bring every detail, and not a page of 200', () => {
    const details = `id body editedAt deletedAt mentionsEveryone sender { id username }
      revisions { body createdAt } reactions { emoji count reactedByMe } mentions { id username }
      replyTo { id body deletedAt sender { username } }`;
    const pageOf = (size: number) =>
      costOf(`query ($peer: String!) { conversation(peer: $peer, last: ${size}) { edges { node { ${details} } } } }`);
    expect(pageOf(50)).toBeLessThan(queryLimits.maxCost);
    expect(pageOf(200)).toBeGreaterThan(queryLimits.maxCost);
  });

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
