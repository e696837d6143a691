/**
 * Starts work that nobody waits for (a refresh after an event, a read mark, a typing note).
 * urql's `toPromise()` does not reject for GraphQL or network errors: those come back in
 * `result.error`, and each caller decides what they mean. What rejects is a bug in our own
 * code; it is reported on the console, saying what the work was, never dropped in silence.
 */
export function background(work: PromiseLike<unknown>, what: string): void {
  Promise.resolve(work).catch((error: unknown) => console.error(`${what} failed:`, error));
}
