import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { printedSchema } from '../src/graphql/schema.ts';

describe('schema.graphql', () => {
  it('is the printed schema; run `npm run schema` when this fails', async () => {
    const checkedIn = await readFile(resolve(import.meta.dirname, '../../schema.graphql'), 'utf8');
    expect(checkedIn).toBe(printedSchema());
  });

  it('keeps the contract clients depend on', () => {
    const sdl = printedSchema();
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
    ]) {
      expect(sdl).toContain(line);
    }
  });
});
