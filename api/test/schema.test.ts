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
      'sendMessage(body: String!, clientId: String, to: String!): Message!',
      'messageAdded(after: ID, peer: String!): Message!',
    ]) {
      expect(sdl).toContain(line);
    }
  });
});
