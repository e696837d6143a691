import { unauthenticated } from '../domain/errors.ts';
import type { Viewer } from '../domain/people.ts';
import type { Services } from '../modules/services.ts';

/** How a transport hands a new session to the client, if it can (HTTP sets a cookie; a socket cannot). */
export interface SessionCarrier {
  issue(token: string): void;
  clear(): void;
}

/** One context type for every transport (HTTP, graphql-ws, compat), built by each. */
export interface Context {
  services: Services;
  viewer: Viewer | null;
  /** The client's address, as seen directly or through a trusted proxy. */
  address: string;
  /** The client's User-Agent header, kept with a new session to name its device. */
  userAgent?: string | undefined;
  session: SessionCarrier;
  /** Aborted when the connection that asked goes away: it ends the operation's streams. */
  signal: AbortSignal;
}

/** The context of a field behind the `signedIn` scope (`t.withAuth({ signedIn: true })`). */
export type SignedInContext = Context & { viewer: Viewer };

/**
 * The viewer, for a field of a type that only signed-in fields return (the root
 * types' `signedIn` scope let the request in): it never throws there.
 */
export function requireViewer(context: Pick<Context, 'viewer'>): Viewer {
  if (!context.viewer) throw unauthenticated();
  return context.viewer;
}

export const noSessionCarrier: SessionCarrier = { issue: () => {}, clear: () => {} };
