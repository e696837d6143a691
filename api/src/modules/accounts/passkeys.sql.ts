import { statement } from '../../db/sql.ts';

export interface PasskeyRow {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface StoredCredential {
  id: string;
  userId: number;
  username: string;
  credentialId: string;
  publicKey: Buffer;
  counter: string;
  transports: string[];
}

/** A person's passkeys, oldest first (bounded by MAX_PASSKEYS at registration). */
export const passkeysOf = statement<[userId: number], PasskeyRow & { credentialId: string; transports: string[] }>(
  'passkeys.of',
  `SELECT id, name, created_at AS "createdAt", last_used_at AS "lastUsedAt", credential_id AS "credentialId", transports
   FROM passkeys WHERE user_id = $1 ORDER BY created_at, id`,
);

export const insertPasskey = statement<
  [userId: number, credentialId: string, publicKey: Buffer, counter: number, transports: string[], name: string],
  PasskeyRow
>(
  'passkeys.insert',
  `INSERT INTO passkeys (id, user_id, credential_id, public_key, counter, transports, name)
   VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6)
   RETURNING id, name, created_at AS "createdAt", last_used_at AS "lastUsedAt"`,
);

export const credentialById = statement<[credentialId: string], StoredCredential>(
  'passkeys.credential',
  `SELECT p.id, p.user_id AS "userId", u.username, p.credential_id AS "credentialId", p.public_key AS "publicKey",
          p.counter::text, p.transports
   FROM passkeys p JOIN users u ON u.id = p.user_id WHERE p.credential_id = $1 AND u.deleted_at IS NULL`,
);

export const markUsed = statement<[id: string, counter: number, at: Date], never>(
  'passkeys.used',
  'UPDATE passkeys SET counter = $2, last_used_at = $3 WHERE id = $1',
);

export const deletePasskey = statement<[userId: number, id: string], { id: string }>(
  'passkeys.delete',
  'DELETE FROM passkeys WHERE user_id = $1 AND id = $2 RETURNING id',
);

export const renamePasskey = statement<[userId: number, id: string, name: string], PasskeyRow>(
  'passkeys.rename',
  `UPDATE passkeys SET name = $3 WHERE user_id = $1 AND id = $2
   RETURNING id, name, created_at AS "createdAt", last_used_at AS "lastUsedAt"`,
);

export const insertChallenge = statement<[challenge: string, userId: number | null, expiresAt: Date], never>(
  'passkeys.challenge-insert',
  'INSERT INTO passkey_challenges (challenge, user_id, expires_at) VALUES ($1, $2, $3)',
);

/** Uses a challenge up: it was handed out for this purpose (this person registering, or a sign-in) and has not expired. */
export const takeChallenge = statement<[challenge: string, userId: number | null, now: Date], { challenge: string }>(
  'passkeys.challenge-take',
  `DELETE FROM passkey_challenges WHERE challenge = $1 AND user_id IS NOT DISTINCT FROM $2 AND expires_at > $3
   RETURNING challenge`,
);

export const sweepChallenges = statement<[now: Date], never>(
  'passkeys.challenge-sweep',
  'DELETE FROM passkey_challenges WHERE expires_at <= $1',
);
