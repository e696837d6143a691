import { statement } from '../../db/sql.ts';

/** Of `others`, those between whom and `user` there is a block either way. */
export const blockedEitherWay = statement<[user: number, others: number[]], { id: number }>(
  'blocks.either-way',
  `SELECT blocked_id AS id FROM blocks WHERE blocker_id = $1 AND blocked_id = ANY($2::int[])
   UNION
   SELECT blocker_id AS id FROM blocks WHERE blocked_id = $1 AND blocker_id = ANY($2::int[])`,
);
