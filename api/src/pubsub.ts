import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { BusTopics, UserWireEvent } from './events.ts';

type UserListener = (event: UserWireEvent) => void;
type UserEventTap = (event: UserWireEvent, userIds: readonly number[]) => void;

export interface EventBus {
  /**
   * Tells each of `userIds` with one publish, whatever their number: every
   * instance hears it once and hands it to the listeners it holds for them.
   * Called after the caller committed; never rejects: a lost event is
   * repaired from PostgreSQL.
   */
  publishToUsers(userIds: readonly number[], event: UserWireEvent): Promise<void>;
  /** Listens for what is published to one user, from the moment it returns. */
  subscribeToUser(userId: number, listener: UserListener): () => void;
  /** Hears every user event once, with its recipients, whether or not anyone here listens for them. */
  onUserEvent(tap: UserEventTap): () => void;
  /** Publishes on an instance-wide topic (never rejects, like `publishToUsers`). */
  publish<K extends keyof BusTopics>(topic: K, event: BusTopics[K]): Promise<void>;
  subscribe<K extends keyof BusTopics>(
    topic: K,
    listener: (event: BusTopics[K]) => void,
  ): Promise<() => void>;
  /**
   * Called when events may have been lost (the Redis connection came back),
   * so that live streams re-read what they missed from PostgreSQL.
   */
  onResync(listener: () => void): () => void;
  /** Listeners for users held here: one per live stream (`/readyz` shows it, so leaks show). */
  readonly userListeners: number;
  readonly healthy: boolean;
  readonly kind: 'redis' | 'in-process';
  close(): Promise<void>;
}

/** What crosses the bus for `publishToUsers`: the event and who it is for. */
interface UserEnvelope {
  to: readonly number[];
  event: UserWireEvent;
}

/** The channel every user event travels on, after the namespace. */
const USERS_CHANNEL = 'users';

/**
 * This instance's listeners: per user, per topic, and the taps that hear
 * everything. A listener that throws is logged and the others still hear the
 * event: a bus callback has no caller that could catch it.
 */
class Listeners {
  private readonly byUser = new Map<number, Set<UserListener>>();
  private readonly taps = new Set<UserEventTap>();
  private readonly byTopic = new Map<string, Set<(event: never) => void>>();
  private readonly resync = new Set<() => void>();
  userListenerCount = 0;

  constructor(private readonly log: Logger) {}

  addUser(userId: number, listener: UserListener) {
    const listeners = this.byUser.get(userId) ?? new Set();
    this.byUser.set(userId, listeners.add(listener));
    this.userListenerCount++;
    return () => {
      if (!listeners.delete(listener)) return;
      this.userListenerCount--;
      if (listeners.size === 0 && this.byUser.get(userId) === listeners) this.byUser.delete(userId);
    };
  }

  hasTopic(topic: string) {
    return this.byTopic.has(topic);
  }

  addTopic(topic: string, listener: (event: never) => void) {
    const listeners = this.byTopic.get(topic) ?? new Set();
    this.byTopic.set(topic, listeners.add(listener));
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.byTopic.get(topic) === listeners) this.byTopic.delete(topic);
    };
  }

  addTap(tap: UserEventTap) {
    this.taps.add(tap);
    return () => void this.taps.delete(tap);
  }

  addResync(listener: () => void) {
    this.resync.add(listener);
    return () => void this.resync.delete(listener);
  }

  deliverToUsers({ to, event }: UserEnvelope) {
    for (const tap of this.taps) this.guard(() => tap(event, to));
    for (const userId of to) {
      for (const listener of this.byUser.get(userId) ?? []) this.guard(() => listener(event));
    }
  }

  deliverToTopic(topic: string, event: unknown) {
    for (const listener of this.byTopic.get(topic) ?? []) this.guard(() => listener(event as never));
  }

  resynced() {
    for (const listener of this.resync) this.guard(listener);
  }

  private guard(call: () => void) {
    try {
      call();
    } catch (error) {
      this.log.error({ err: error }, 'bus listener failed');
    }
  }
}

/** One instance alone: events go straight to this process's listeners. */
export function createInProcessBus(log: Logger): EventBus {
  const listeners = new Listeners(log);
  return {
    kind: 'in-process',
    healthy: true,
    get userListeners() {
      return listeners.userListenerCount;
    },
    publishToUsers: (to, event) => {
      listeners.deliverToUsers({ to, event });
      return Promise.resolve();
    },
    subscribeToUser: (userId, listener) => listeners.addUser(userId, listener),
    onUserEvent: (tap) => listeners.addTap(tap),
    publish: (topic, event) => {
      listeners.deliverToTopic(topic, event);
      return Promise.resolve();
    },
    subscribe: (topic, listener) => Promise.resolve(listeners.addTopic(topic, listener)),
    onResync: (listener) => listeners.addResync(listener),
    close: () => Promise.resolve(),
  };
}

/**
 * Redis Pub/Sub between instances, at-most-once: gaps are healed by resync.
 * Every user event goes out as one PUBLISH on one channel that each instance
 * subscribes to once, rather than one per recipient on per-user channels: a
 * message to a group of 100 costs one command, not 100, and an instance parses
 * it once however many of the members it holds. The price is that every
 * instance hears every event (docs/scaling.md has the figures).
 */
export async function createRedisBus(redisUrl: string, namespace: string, log: Logger): Promise<EventBus> {
  const publisher = new Redis(redisUrl, {
    // Fail fast while Redis is away: the message is already committed and will be backfilled.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 1_000,
    enableAutoPipelining: true,
  });
  // No ready check: its INFO can race the SUBSCRIBEs issued while connecting and fail with
  // "Connection in subscriber mode" as an unhandled rejection (ioredis #2037).
  const subscriber = new Redis(redisUrl, { maxRetriesPerRequest: null, enableReadyCheck: false });
  for (const [name, client] of [
    ['publisher', publisher],
    ['subscriber', subscriber],
  ] as const) {
    client.on('error', (error) => log.warn({ err: error }, `redis ${name} error`));
  }
  const listeners = new Listeners(log);
  const usersChannel = namespace + USERS_CHANNEL;
  subscriber.on('message', (channel: string, message: string) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch (error) {
      log.error({ err: error, channel }, 'unreadable bus message');
      return;
    }
    if (channel === usersChannel) listeners.deliverToUsers(parsed as UserEnvelope);
    else listeners.deliverToTopic(channel.slice(namespace.length), parsed);
  });
  const publish = async (channel: string, payload: unknown) => {
    try {
      await publisher.publish(channel, JSON.stringify(payload));
    } catch (error) {
      log.warn({ err: error, channel }, 'publish failed; subscribers will catch up from the database');
    }
  };
  let connectedBefore = false;
  subscriber.on('ready', () => {
    if (!connectedBefore) {
      connectedBefore = true;
      return;
    }
    // The ping's reply comes after those of the re-subscriptions ioredis sends on
    // reconnect, so nothing published from here on can fall between the two.
    void subscriber
      .ping()
      .catch(() => undefined)
      .then(() => {
        log.info('redis subscriber reconnected; resyncing live streams');
        listeners.resynced();
      });
  });
  await subscriber.subscribe(usersChannel);
  return {
    kind: 'redis',
    get userListeners() {
      return listeners.userListenerCount;
    },
    get healthy() {
      return publisher.status === 'ready' && subscriber.status === 'ready';
    },
    publishToUsers: (to, event) => publish(usersChannel, { to, event } satisfies UserEnvelope),
    subscribeToUser: (userId, listener) => listeners.addUser(userId, listener),
    onUserEvent: (tap) => listeners.addTap(tap),
    publish: (topic, event) => publish(namespace + topic, event),
    subscribe: async (topic, listener) => {
      if (!listeners.hasTopic(topic)) await subscriber.subscribe(namespace + topic);
      return listeners.addTopic(topic, listener);
    },
    onResync: (listener) => listeners.addResync(listener),
    close: async () => {
      subscriber.disconnect();
      await publisher.quit().catch(() => publisher.disconnect());
    },
  };
}
