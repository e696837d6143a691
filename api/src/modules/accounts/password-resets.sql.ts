import { statement } from '../../db/sql.ts';

export interface ResetAccountRow {
  id: number;
  username: string;
  email: string;
}

/** Accounts with this email (not unique: a few people may share one), deleted ones excepted. */
export const accountsByEmail = statement<[email: string, limit: number], ResetAccountRow>(
  'resets.accounts-by-email',
  `SELECT id, username, email FROM users WHERE lower(email) = lower($1) AND deleted_at IS NULL ORDER BY id LIMIT $2`,
);

/** Replaces the account's pending reset, if any: only the newest link works. */
export const upsertReset = statement<[userId: number, tokenHash: Buffer, expiresAt: Date, createdAt: Date], never>(
  'resets.upsert',
  `INSERT INTO password_resets (user_id, token_hash, expires_at, created_at) VALUES ($1, $2, $3, $4)
   ON CONFLICT (user_id) DO UPDATE SET token_hash = $2, expires_at = $3, created_at = $4`,
);

/** The account a standing token resets, without using it up. */
export const resetAccount = statement<[tokenHash: Buffer, now: Date], ResetAccountRow>(
  'resets.account',
  `SELECT users.id, users.username, users.email FROM password_resets JOIN users ON users.id = password_resets.user_id
   WHERE token_hash = $1 AND expires_at > $2`,
);

/** Uses a token up: of two racing uses, one gets the row. */
export const takeReset = statement<[tokenHash: Buffer, now: Date], { userId: number }>(
  'resets.take',
  'DELETE FROM password_resets WHERE token_hash = $1 AND expires_at > $2 RETURNING user_id AS "userId"',
);

export const deleteResetOf = statement<[userId: number], never>(
  'resets.delete-of',
  'DELETE FROM password_resets WHERE user_id = $1',
);

export const setPasswordHash = statement<[userId: number, passwordHash: string], never>(
  'accounts.set-password',
  'UPDATE users SET password_hash = $2 WHERE id = $1',
);

export const setEmail = statement<[userId: number, email: string], never>(
  'accounts.set-email',
  'UPDATE users SET email = $2 WHERE id = $1',
);
