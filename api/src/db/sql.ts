import type { Queryable } from './client.ts';

export interface StatementOptions {
  /**
   * Planned for its parameters at every run rather than prepared once: for a
   * statement whose best plan depends on its values (how many conversations
   * were active in a window), where a generic plan would guess.
   */
  planEachRun?: boolean;
}

/**
 * One SQL statement with its parameter and row types declared beside its
 * text, run by name: each connection parses and plans it once. Services call
 * these; SQL text lives only in the `*.sql.ts` files next to them.
 */
export function statement<Params extends unknown[], Row>(name: string, text: string, options: StatementOptions = {}) {
  const config = options.planEachRun ? { text } : { name, text };
  const run = async (db: Queryable, ...values: Params): Promise<Row[]> =>
    (await db.query<Row & Record<string, unknown>>({ ...config, values })).rows;
  return Object.assign(run, { statementName: name, text });
}
