import { statement } from '../../db/sql.ts';

export interface SessionRow {
  id: string;
  expiresAt: Date;
  lastSeenAt: Date;
  userId: number;
  username: string;
}

/** Every request and socket passes here: one statement with the join. */
export const findSession = statement<[tokenHash: Buffer], SessionRow>(
  'sessions.find',
  `SELECT sessions.id, sessions.expires_at AS "expiresAt", sessions.last_seen_at AS "lastSeenAt",
          users.id AS "userId", users.username
   FROM sessions JOIN users ON users.id = sessions.user_id
   WHERE sessions.token_hash = $1`,
);

export const touchSession = statement<[id: string, at: Date], never>(
  'sessions.touch',
  'UPDATE sessions SET last_seen_at = $2 WHERE id = $1',
);

export const deleteSession = statement<[id: string], never>('sessions.delete', 'DELETE FROM sessions WHERE id = $1');

/** Of these sessions, those that still stand: before their absolute expiry, and seen since `idleSince`. */
export const standingSessions = statement<[ids: string[], now: Date, idleSince: Date], { id: string }>(
  'sessions.standing',
  'SELECT id FROM sessions WHERE id = ANY($1::uuid[]) AND expires_at > $2 AND last_seen_at > $3',
);

/** Deletes up to `limit` ended sessions; SKIP LOCKED lets several instances sweep at once. */
export const sweepSessions = statement<[now: Date, idleSince: Date, limit: number], { id: string }>(
  'sessions.sweep',
  `DELETE FROM sessions WHERE id IN (
     SELECT id FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2
     LIMIT $3 FOR UPDATE SKIP LOCKED)
   RETURNING id`,
);

export interface SessionListRow {
  id: string;
  createdAt: Date;
  lastSeenAt: Date;
  userAgent: string | null;
  address: string | null;
}

/** A person's standing sessions, most recently active first (bounded: one per sign-in within the max age). */
export const listSessions = statement<[userId: number, now: Date, idleSince: Date, limit: number], SessionListRow>(
  'sessions.list',
  `SELECT id, created_at AS "createdAt", last_seen_at AS "lastSeenAt", user_agent AS "userAgent", address
   FROM sessions WHERE user_id = $1 AND expires_at > $2 AND last_seen_at > $3
   ORDER BY last_seen_at DESC, id LIMIT $4`,
);

/** Deletes one session of this person's; another person's id deletes nothing. */
export const deleteOwnSession = statement<[userId: number, id: string], { id: string }>(
  'sessions.delete-own',
  'DELETE FROM sessions WHERE user_id = $1 AND id = $2 RETURNING id',
);

/** Deletes every session of a person but `keep` (null: all of them). */
export const deleteSessionsOf = statement<[userId: number, keep: string | null], { id: string }>(
  'sessions.delete-all-of',
  'DELETE FROM sessions WHERE user_id = $1 AND id IS DISTINCT FROM $2 RETURNING id',
);
