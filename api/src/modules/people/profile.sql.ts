import { statement } from '../../db/sql.ts';

export interface ProfileRow {
  id: number;
  displayName: string | null;
  deleted: boolean;
}

export const profiles = statement<[ids: number[]], ProfileRow>(
  'people.profiles',
  `SELECT id, display_name AS "displayName", deleted_at IS NOT NULL AS deleted FROM users WHERE id = ANY($1::int[])`,
);

export const setDisplayName = statement<[userId: number, displayName: string | null], never>(
  'people.set-display-name',
  'UPDATE users SET display_name = $2 WHERE id = $1',
);
