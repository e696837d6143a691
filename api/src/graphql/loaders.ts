import DataLoader from 'dataloader';
import type { Context } from './context.ts';

const byContext = new WeakMap<Context, Map<string, DataLoader<unknown, unknown>>>();

/**
 * A DataLoader that lives as long as one request (one operation over a
 * socket, or one event of a subscription — see `eachEvent`): what one field
 * needs for many parents — a chat list's members, a member list's presence —
 * is fetched in one batch, and never cached past it.
 */
export function perRequest<K, V>(
  context: Context,
  name: string,
  batch: (keys: readonly K[]) => Promise<readonly V[]>,
): DataLoader<K, V> {
  let loaders = byContext.get(context);
  if (!loaders) {
    loaders = new Map<string, DataLoader<unknown, unknown>>();
    byContext.set(context, loaders);
  }
  const existing = loaders.get(name);
  if (existing) return existing as DataLoader<K, V>;
  const loader = new DataLoader<K, V>(batch);
  loaders.set(name, loader);
  return loader;
}

/**
 * The `resolve` of a subscription field: each event is a request of its own. A subscription
 * keeps one context for its whole life, so without this its loaders would answer later events
 * with what they read for the first (a presence from before it was hidden) and grow forever.
 */
export function eachEvent<T>(event: T, _args: unknown, context: Context): T {
  byContext.delete(context);
  return event;
}
