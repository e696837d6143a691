import { statement } from '../../db/sql.ts';

export interface ProfileRow {
  id: number;
  displayName: string | null;
  avatarId: string | null;
  deleted: boolean;
}

export const profiles = statement<[ids: number[]], ProfileRow>(
  'people.profiles',
  `SELECT id, display_name AS "displayName", avatar_id::text AS "avatarId", deleted_at IS NOT NULL AS deleted
   FROM users WHERE id = ANY($1::int[])`,
);

export const setDisplayName = statement<[userId: number, displayName: string | null], never>(
  'people.set-display-name',
  'UPDATE users SET display_name = $2 WHERE id = $1',
);

/** The avatar a person has now, their row locked until the change's transaction ends. */
export const lockAvatar = statement<[userId: number], { avatarId: string | null }>(
  'people.lock-avatar',
  'SELECT avatar_id::text AS "avatarId" FROM users WHERE id = $1 FOR UPDATE',
);

export const setAvatar = statement<[userId: number, avatarId: string | null], never>(
  'people.set-avatar',
  'UPDATE users SET avatar_id = $2::uuid WHERE id = $1',
);
