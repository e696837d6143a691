import type { Logger } from 'pino';
import type { BusTopics, UserWireEvent } from '../domain/wire-events.ts';

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
export interface UserEnvelope {
  to: readonly number[];
  event: UserWireEvent;
}

/** The channel every user event travels on, after the namespace. */
export const USERS_CHANNEL = 'users';

/** How events leave this instance: straight back to it, or through Redis to every instance. */
export interface Transport {
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
export class LocalBus implements EventBus {
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

