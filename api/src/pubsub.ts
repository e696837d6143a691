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

/** How events leave this instance: straight back to it, or through Redis to every instance. */
interface Transport {
  kind: EventBus['kind'];
  healthy(): boolean;
  publishToUsers(envelope: UserEnvelope): Promise<void>;
  publish(topic: string, event: unknown): Promise<void>;
  /** Makes sure this instance hears `topic` from now on. */
  listen(topic: string): Promise<void>;
  close(): Promise<void>;
}

/** Adds `value` to the set at `key`; the returned function takes it out again (once), and the set when empty. */
function addToSetMap<K, V>(map: Map<K, Set<V>>, key: K, value: V): () => boolean {
  const set = map.get(key) ?? new Set();
  map.set(key, set.add(value));
  return () => {
    const removed = set.delete(value);
    if (set.size === 0 && map.get(key) === set) map.delete(key);
    return removed;
  };
}

/**
 * This instance's side of the bus: its listeners per user and per topic, the
 * taps that hear every user event, and what a transport hands in. A listener
 * that throws is logged and the others still hear the event: a bus callback
 * has no caller that could catch it.
 */
class LocalBus implements EventBus {
  private readonly byUser = new Map<number, Set<UserListener>>();
  private readonly taps = new Set<UserEventTap>();
  private readonly byTopic = new Map<string, Set<(event: never) => void>>();
  private readonly resyncListeners = new Set<() => void>();
  userListeners = 0;
  /** Set once, by the bus's factory, before the bus is handed out. */
  transport!: Transport;

  constructor(private readonly log: Logger) {}

  get kind() {
    return this.transport.kind;
  }

  get healthy() {
    return this.transport.healthy();
  }

  publishToUsers(to: readonly number[], event: UserWireEvent) {
    return this.transport.publishToUsers({ to, event });
  }

  subscribeToUser(userId: number, listener: UserListener) {
    const remove = addToSetMap(this.byUser, userId, listener);
    this.userListeners++;
    return () => {
      if (remove()) this.userListeners--;
    };
  }

  onUserEvent(tap: UserEventTap) {
    this.taps.add(tap);
    return () => void this.taps.delete(tap);
  }

  publish<K extends keyof BusTopics>(topic: K, event: BusTopics[K]) {
    return this.transport.publish(topic, event);
  }

  async subscribe<K extends keyof BusTopics>(topic: K, listener: (event: BusTopics[K]) => void) {
    if (!this.byTopic.has(topic)) await this.transport.listen(topic);
    const remove = addToSetMap(this.byTopic, topic, listener as (event: never) => void);
    return () => void remove();
  }

  onResync(listener: () => void) {
    this.resyncListeners.add(listener);
    return () => void this.resyncListeners.delete(listener);
  }

  close() {
    return this.transport.close();
  }

  deliverToUsers({ to, event }: UserEnvelope) {
    for (const tap of this.taps) this.call(tap, event, to);
    for (const userId of to) {
      for (const listener of this.byUser.get(userId) ?? []) this.call(listener, event);
    }
  }

  deliverToTopic(topic: string, event: unknown) {
    for (const listener of this.byTopic.get(topic) ?? []) this.call(listener, event as never);
  }

  resynced() {
    for (const listener of this.resyncListeners) this.call(listener);
  }

  private call<A extends unknown[]>(listener: (...args: A) => void, ...args: A) {
    try {
      listener(...args);
    } catch (error) {
      this.log.error({ err: error }, 'bus listener failed');
    }
  }
}

/** One instance alone: events go straight to this process's listeners. */
export function createInProcessBus(log: Logger): EventBus {
  const bus = new LocalBus(log);
  bus.transport = {
    kind: 'in-process',
    healthy: () => true,
    publishToUsers: (envelope) => Promise.resolve(bus.deliverToUsers(envelope)),
    publish: (topic, event) => Promise.resolve(bus.deliverToTopic(topic, event)),
    listen: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  return bus;
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
  const bus = new LocalBus(log);
  const usersChannel = namespace + USERS_CHANNEL;
  subscriber.on('message', (channel: string, message: string) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch (error) {
      log.error({ err: error, channel }, 'unreadable bus message');
      return;
    }
    if (channel === usersChannel) bus.deliverToUsers(parsed as UserEnvelope);
    else bus.deliverToTopic(channel.slice(namespace.length), parsed);
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
        bus.resynced();
      });
  });
  await subscriber.subscribe(usersChannel);
  bus.transport = {
    kind: 'redis',
    healthy: () => publisher.status === 'ready' && subscriber.status === 'ready',
    publishToUsers: (envelope) => publish(usersChannel, envelope),
    publish: (topic, event) => publish(namespace + topic, event),
    listen: async (topic) => void (await subscriber.subscribe(namespace + topic)),
    close: async () => {
      subscriber.disconnect();
      await publisher.quit().catch(() => publisher.disconnect());
    },
  };
  return bus;
}
