import { describe, expect, it } from 'vitest';
import { gql, sendMessage, signupMany, type TestUser } from './support/clients.ts';
import {
  addMembers,
  createGroup,
  createGroupRaw,
  errorCode,
  listConversations,
  removeMember,
  renameConversation,
  timeline,
} from './support/conversations.ts';
import { useTestServer } from './support/harness.ts';

const harness = useTestServer({
  env: { GROUP_CHANGES_PER_USER_PER_MINUTE: '5', GROUP_CHANGES_PER_CONVERSATION_PER_MINUTE: '8' },
});
const server = () => harness.server;
const people = (count: number) => signupMany(server(), count);

describe('group changes have limits of their own', () => {
  it('refuses a person’s changes past their limit, changing nothing, and leaves others and sends alone', async () => {
    const [owner, member, other] = (await people(3)) as [TestUser, TestUser, TestUser];
    const group = await createGroup(server(), owner, 'start', [member]);
    for (let index = 1; index <= 4; index++)
      expect(errorCode(await renameConversation(server(), owner, group.id, `title ${index}`))).toBe('none');
    // The group's creation was the first of the owner's five.
    const refused = await renameConversation(server(), owner, group.id, 'one too many');
    expect(errorCode(refused)).toBe('RATE_LIMITED');
    expect(refused.errors?.[0]?.extensions?.retryAfterSeconds).toBeGreaterThan(0);
    const lines = await timeline(server(), member, group.id);
    expect(lines.at(-1)!.body).toContain('"title 4"');
    expect(lines.filter((line) => line.kind === 'SYSTEM')).toHaveLength(5);
    // Sending has limits of its own; someone else's changes have theirs.
    expect(errorCode(await sendMessage(server(), owner, member.username, 'still talking'))).toBe('none');
    expect(errorCode(await createGroupRaw(server(), other, 'mine', [member.username]))).toBe('none');
    // And anyone may always leave.
    expect(errorCode(await removeMember(server(), owner, group.id, owner))).toBe('none');
  });

  it('caps the changes to one group whoever makes them', async () => {
    const [owner, ...members] = await people(6);
    const group = await createGroup(server(), owner!, 'busy', members.slice(0, 3));
    const newcomers = members.slice(3);
    const codes: string[] = [];
    // Three members take turns adding and removing, eight changes among them.
    for (let round = 0; round < 3; round++)
      for (const member of members.slice(0, 3)) {
        const newcomer = newcomers[round % newcomers.length]!;
        const inGroup = (await listConversations(server(), newcomer)).edges.some((edge) => edge.node.id === group.id);
        codes.push(
          errorCode(
            inGroup
              ? await removeMember(server(), owner!, group.id, newcomer)
              : await addMembers(server(), member, group.id, [newcomer]),
          ),
        );
      }
    expect(codes.slice(0, 8)).toEqual(Array(8).fill('none'));
    expect(codes[8]).toBe('RATE_LIMITED');
  });
});

describe('who may add me to groups', () => {
  it('with PEOPLE_I_TALK_TO, refuses a stranger’s group, adding nobody, until I have written to them', async () => {
    const [alice, bob, carol] = (await people(3)) as [TestUser, TestUser, TestUser];
    const settings = await gql<{ updateSettings: { groupInvites: string } }>(
      server(),
      'mutation { updateSettings(groupInvites: PEOPLE_I_TALK_TO) { groupInvites } }',
      {},
      { token: bob.token },
    );
    expect(settings.data?.updateSettings.groupInvites).toBe('PEOPLE_I_TALK_TO');

    const refused = await createGroupRaw(server(), alice, 'uninvited', [bob.username, carol.username]);
    expect(errorCode(refused)).toBe('FORBIDDEN');
    expect(refused.errors?.[0]?.message).toContain(bob.username);
    expect((await listConversations(server(), carol)).edges).toEqual([]);
    const group = await createGroup(server(), alice, 'without bob', [carol]);
    expect(errorCode(await addMembers(server(), alice, group.id, [bob]))).toBe('FORBIDDEN');
    expect((await listConversations(server(), bob)).edges).toEqual([]);

    // Alice writing to Bob is not Bob talking to Alice.
    await sendMessage(server(), alice, bob.username, 'add you?');
    expect(errorCode(await addMembers(server(), alice, group.id, [bob]))).toBe('FORBIDDEN');
    await sendMessage(server(), bob, alice.username, 'sure');
    expect(errorCode(await addMembers(server(), alice, group.id, [bob]))).toBe('none');
  });
});
