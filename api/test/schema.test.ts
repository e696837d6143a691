import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isObjectType, isUnionType, parse, print, type ObjectTypeDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { printedSchema, schema } from '../src/graphql/schema.ts';

/**
 * Whether the schema still offers what `line` promised: a field of that name on some type, with
 * every argument named there at the type named there and the same result type (arguments may be
 * added: that breaks no client), or a union with at least those members.
 */
function keeps(line: string): boolean {
  const union = /^union (\w+) = (.*)$/.exec(line);
  if (union) {
    const type = schema.getType(union[1]!);
    const members = isUnionType(type) ? type.getTypes().map((member) => member.name) : [];
    return union[2]!.split(' | ').every((name) => members.includes(name));
  }
  const contract = parse(`type Contract { ${line} }`).definitions[0] as ObjectTypeDefinitionNode;
  const promised = contract.fields![0]!;
  const deprecated = promised.directives?.some((directive) => directive.name.value === 'deprecated') ?? false;
  return Object.values(schema.getTypeMap()).some((type) => {
    const field = isObjectType(type) ? type.getFields()[promised.name.value] : undefined;
    if (!field || field.type.toString() !== print(promised.type)) return false;
    if (deprecated && field.deprecationReason == null) return false;
    return (promised.arguments ?? []).every((argument) =>
      field.args.some((actual) => actual.name === argument.name.value && actual.type.toString() === print(argument.type)),
    );
  });
}


describe('schema.graphql', () => {
  it('is the printed schema; run `npm run schema` when this fails', async () => {
    const checkedIn = await readFile(resolve(import.meta.dirname, '../../schema.graphql'), 'utf8');
    expect(checkedIn).toBe(printedSchema());
  });

  it('keeps the contract clients depend on: names, argument and result types (new arguments may come)', () => {
    for (const line of [
      'me: User',
      'users(after: String, before: String, first: Int, last: Int, search: String): UserConnection!',
      'conversation(after: String, before: String, first: Int, last: Int, peer: String!): MessageConnection!',
      'signup(email: String!, password: String!, username: String!): AuthPayload!',
      'login(password: String!, username: String!): AuthPayload!',
      'logout: Boolean!',
      // The conversations issue made `to` optional beside `conversationId`, and `peer` beside it.
      'sendMessage(body: String!, clientId: String, conversationId: ID, to: String): Message!',
      'messageAdded(after: ID, conversationId: ID, peer: String): Message!',
      'inbox: Message!',
      'conversations(after: String, first: Int): ConversationConnection!',
      'conversationById(id: ID!): Conversation',
      'createGroup(members: [String!]!, title: String!): Conversation!',
      'addMembers(conversationId: ID!, usernames: [String!]!): Conversation!',
      'removeMember(conversationId: ID!, username: String!): Conversation!',
      'renameConversation(conversationId: ID!, title: String!): Conversation!',
      'markRead(conversationId: ID!, messageId: ID!): Conversation!',
      'events(after: String): ChatEvent!',
      'union ChatEvent = ConversationEvent | MembershipEvent | MessageEvent | PresenceEvent | ReadEvent | TypingEvent',
      'unreadCount: Int!',
      'lastReadMessageId: ID',
      'receiver: User @deprecated',
      'setTyping(conversationId: ID!, typing: Boolean!): Boolean!',
      'block(username: String!): Boolean!',
      'unblock(username: String!): Boolean!',
      'blockedUsers: [User!]!',
      'presence: Presence',
      'updateSettings(sharePresence: Boolean, shareReadReceipts: Boolean): Settings!',
      'updateSettings(groupInvites: GroupInvitePolicy): Settings!',
      'groupInvites: GroupInvitePolicy!',
    ]) {
      expect(keeps(line), line).toBe(true);
    }
  });
});
