import { describe, expect, it } from 'vitest';
import { gql, signupMany, type TestUser } from './support/clients.ts';
import { errorCode } from './support/conversations.ts';
import { connectSql } from './support/database.ts';
import { useTestServer } from './support/harness.ts';

const harness = useTestServer();

describe('blocking has a bound, as what blockedUsers returns must', () => {
  it('refuses the 1,001st block, blocking nobody, and lists the 1,000', async () => {
    const [alice, bob] = (await signupMany(harness.server, 2)) as [TestUser, TestUser];
    const sql = await connectSql(harness.database.url);
    try {
      await sql.query(
        `WITH made AS (
           INSERT INTO users (username, username_key, email, password_hash)
           SELECT 'blocked' || i, 'blocked' || i, 'b' || i || '@example.com', 'x' FROM generate_series(1, 1000) AS i
           RETURNING id)
         INSERT INTO blocks (blocker_id, blocked_id) SELECT $1, id FROM made`,
        [Number(alice.id)],
      );
    } finally {
      await sql.end();
    }
    const refused = await gql(harness.server, 'mutation ($u: String!) { block(username: $u) }', { u: bob.username }, {
      token: alice.token,
    });
    expect(errorCode(refused)).toBe('BAD_USER_INPUT');
    const listed = await gql<{ blockedUsers: Array<{ username: string }> }>(
      harness.server,
      '{ blockedUsers { username } }',
      {},
      { token: alice.token },
    );
    expect(listed.data!.blockedUsers).toHaveLength(1000);
    expect(listed.data!.blockedUsers.map((user) => user.username)).not.toContain(bob.username);
  });
});
