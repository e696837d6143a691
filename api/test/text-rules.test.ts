import { describe, expect, it } from 'vitest';
import { gql, sendMessage, signupMany, type TestUser } from './support/clients.ts';
import { useTestServer } from './support/harness.ts';

const harness = useTestServer();

describe('lengths and text direction, as people see text', () => {
  it('takes 4,000 emoji in a message (characters, not UTF-16 units) and refuses 4,001', async () => {
    const [alice, bob] = (await signupMany(harness.server, 2)) as [TestUser, TestUser];
    const full = await sendMessage(harness.server, alice, bob.username, '😀'.repeat(4_000));
    expect(full.data?.sendMessage.body).toHaveLength(8_000);
    const over = await sendMessage(harness.server, alice, bob.username, '😀'.repeat(4_001));
    expect(over.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'body' });
  });

  it('refuses direction controls in group titles, so "\\u202Enimda" cannot show as "admin"', async () => {
    const [alice, bob] = (await signupMany(harness.server, 2)) as [TestUser, TestUser];
    const create = (title: string) =>
      gql<{ createGroup: { id: string } }>(
        harness.server,
        'mutation ($title: String!, $members: [String!]!) { createGroup(title: $title, members: $members) { id } }',
        { title, members: [bob.username] },
        { token: alice.token },
      );
    expect((await create('\u202Enimda')).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'title' });
    const group = await create('Climbing');
    const rename = await gql(
      harness.server,
      'mutation ($id: ID!, $title: String!) { renameConversation(conversationId: $id, title: $title) { title } }',
      { id: group.data!.createGroup.id, title: 'Climb\u2067ing' },
      { token: alice.token },
    );
    expect(rename.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'title' });
  });
});
