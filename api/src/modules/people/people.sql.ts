import { statement } from '../../db/sql.ts';

/**
 * Gives accounts their skeletons where none is taken yet (the oldest account
 * wins a skeleton two existing names share).
 */
export const fillSkeletons = statement<[ids: number[], skeletons: string[]], never>(
  'people.fill-skeletons',
  `UPDATE users SET username_skeleton = given.skeleton
   FROM unnest($1::int[], $2::text[]) AS given(id, skeleton)
   WHERE users.id = given.id AND users.username_skeleton IS NULL
     AND NOT EXISTS (SELECT 1 FROM users taken WHERE taken.username_skeleton = given.skeleton)`,
);
