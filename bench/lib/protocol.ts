import type { LatencySummary } from './stats.ts';

/** A person the bench acts as: seeded straight into the database with a session token. */
export interface Account {
  username: string;
  token: string;
}

/**
 * How people send and hear: `graphql` as the web client does (`events` and sendMessage
 * on one graphql-ws socket), `http` as it does while that socket is down (sendMessage
 * over HTTP with the session cookie), `compat` the original chat's socket, `relay` a reference's.
 */
export type Protocol = 'http' | 'graphql' | 'compat' | 'relay';

/** What the orchestrator asks of the load generator, one job at a time. */
export type Job =
  /**
   * The two people of a pair connect to `urls[0]` and `urls[1 % urls.length]`
   * (the chat's base http URL, or a relay's ws URL); then a warm-up run
   * (answered) gets the server's lazy paths loaded and hot.
   */
  | {
      type: 'connect';
      protocol: Protocol;
      urls: string[];
      pairs: Array<[Account, Account]>;
      warmUp: { rate: number; durationMs: number; tag: string };
    }
  /** `members` connect over `events` and take turns sending to the group, over HTTP. */
  | {
      type: 'group';
      url: string;
      conversationId: string;
      members: Account[];
      warmUp: { rate: number; durationMs: number; tag: string };
    }
  | { type: 'run'; rate: number; durationMs: number; tag: string }
  /** Adds `people` to those held, each a socket with one `events` stream; the hub, once, is who later sends to them. */
  | { type: 'hold'; url: string; people: Account[]; hub?: Account }
  /** The hub sends to people held, picked at random, over HTTP. */
  | { type: 'deliver'; count: number; rate: number; tag: string }
  | {
      type: 'history';
      url: string;
      viewer: Account;
      conversationIds: string[];
      messagesEach: number;
      pages: number;
    }
  | { type: 'close' };

/**
 * One open-loop run at one offered rate. Message `index` of a run has the body
 * `<tag>:<index>`; deliveries, losses and duplicates are counted message by
 * message and recipient by recipient (see load.ts), never as totals subtracted.
 */
export interface LiveRun {
  offered: number;
  /** Messages per second the generator managed to fire, over the run. */
  fired: number;
  /** Deliveries per second, from the first scheduled send to the last delivery. */
  delivering: number;
  sent: number;
  /** Acknowledged by the server (GraphQL); the protocols without acks count every frame sent. */
  accepted: number;
  /** The indexes of the messages sent but not accepted (refused, failed, or unanswered when the run ended). */
  refused: number[];
  errors: number;
  /** Deliveries owed by the accepted messages: one per intended recipient of each. */
  expected: number;
  /** First receipts by an intended recipient (of any message sent, accepted or not). */
  delivered: number;
  /** Accepted messages that at least one of their intended recipients never received. */
  lost: number;
  /** Receipts of a message by a recipient that had already received it. */
  duplicates: number;
  /** Receipts of a message by someone it was not for. */
  misdelivered: number;
  /** Rows of this run's messages in the database afterwards, where the target stores messages. */
  stored?: number;
  /** Messages stored other than once if accepted, or at all if refused (counted per message). */
  misstored?: number;
  /** The server's CPU time (user + system, every instance under test) per accepted message. */
  cpuPerMessageMs?: number;
  /** How late the generator fired each message against its schedule (latency already includes it). */
  lag: LatencySummary;
  /** From each message's scheduled send time to its delivery, every delivery counted. */
  latency: LatencySummary;
}

export interface HoldResult {
  sockets: number;
  connectMs: number;
  /** Connections that failed (refused, reset) and were tried again. */
  retries: number;
}

export interface HistoryResult {
  /** `{ __typename }` over HTTP with the session: the floor under every query. */
  typename: LatencySummary;
  newest: LatencySummary;
  older: LatencySummary;
  /** The web client's chat list (`conversations(first: 50)`), for a viewer of every seeded conversation. */
  conversations: LatencySummary;
  messagesRead: number;
}

export type JobResult = LiveRun | HoldResult | HistoryResult | null;
