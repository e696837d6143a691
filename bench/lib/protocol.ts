import type { LatencySummary } from './stats.ts';

/** A person the bench acts as: seeded straight into the database with a session token. */
export interface Account {
  username: string;
  token: string;
}

export type Protocol = 'graphql' | 'compat' | 'relay';

/** What the orchestrator asks of the load generator, one job at a time. */
export type Job =
  /**
   * The two people of a pair connect to `urls[0]` and `urls[1 % urls.length]`;
   * then a warm-up run (answered) gets the server's lazy paths loaded and hot.
   */
  | {
      type: 'connect';
      protocol: Protocol;
      urls: string[];
      pairs: Array<[Account, Account]>;
      warmUp: { rate: number; durationMs: number; tag: string };
    }
  | { type: 'run'; rate: number; durationMs: number; tag: string }
  /** Adds `people` to those held; the hub, once, is who later sends to them. */
  | { type: 'hold'; wsUrl: string; people: Account[]; hub?: Account }
  | { type: 'deliver'; count: number; rate: number; tag: string }
  | { type: 'history'; url: string; viewer: Account; peer: string; pages: number }
  | { type: 'close' };

/** One open-loop run at one offered rate. */
export interface LiveRun {
  offered: number;
  /** Messages per second the generator managed to fire, over the run. */
  fired: number;
  /** Messages per second delivered, from the first send to the last delivery. */
  delivering: number;
  sent: number;
  /** Acknowledged by the server (GraphQL); the protocols without acks count every frame sent. */
  accepted: number;
  errors: number;
  delivered: number;
  duplicates: number;
  lost: number;
  /** Counted in the database afterwards, where the target stores messages. */
  stored?: number;
  /** Behind schedule at worst: the generator, not the server, limits a run that lags. */
  worstLagMs: number;
  latency: LatencySummary;
}

export interface HoldResult {
  sockets: number;
  subscriptions: number;
  connectMs: number;
}

export interface HistoryResult {
  newest: LatencySummary;
  older: LatencySummary;
  messagesRead: number;
}

export interface DeliveryResult extends LatencySummary {
  lost: number;
  duplicates: number;
}

export type JobResult = LiveRun | HoldResult | HistoryResult | DeliveryResult | null;
