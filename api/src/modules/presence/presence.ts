import type pg from 'pg';
import type { UserRef } from '../../domain/people.ts';
import type { PresenceWireEvent } from '../../domain/wire-events.ts';
import type { Background } from '../../lib/background.ts';
import type { EventBus } from '../../realtime/bus.ts';
import type { BlockService } from '../blocks/blocks.ts';
import type { UserDirectory } from '../people/user-directory.ts';
import type { PresenceStore } from './presence-store.ts';
import { conversationPartners, markLastSeen, presenceSettings, presenceWatchers } from './presence.sql.ts';

export interface Presence {
  online: boolean;
  /** When they were last online, to the minute; null while online (and for someone never seen). */
  lastSeenAt: Date | null;
}

export interface PresenceTimings {
  /** Offline only this long after the last socket closed, so a reload does not flap. */
  offlineGraceMs: number;
  /** How often this instance says it is alive; one that misses two is taken for dead. */
  heartbeatMs: number;
}

/**
 * Online while a person has a socket open on any instance; offline a grace
 * period after the last one closes, or within three heartbeats of their
 * instance dying. Changes go, as presence events, only to the people who
 * share a conversation with them, both sides sharing presence and neither
 * having blocked the other. Nothing is written to PostgreSQL but `lastSeenAt`,
 * on going offline, at most once a minute per person.
 */
export class PresenceService {
  /** Sockets per user on this instance, and the pending offline of those who closed their last. */
  private readonly local = new Map<
    number,
    { user: UserRef; sockets: number; goingOffline?: NodeJS.Timeout }
  >();
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly bus: EventBus,
    private readonly store: PresenceStore,
    private readonly users: UserDirectory,
    private readonly blocks: BlockService,
    private readonly background: Background,
    private readonly timings: PresenceTimings,
  ) {}

  async start() {
    // A first heartbeat that fails (Redis away) is logged, and the next ones try again.
    const first = this.beat();
    this.background(first, 'presence heartbeat');
    await first.catch(() => undefined);
    this.heartbeat = setInterval(
      () => this.background(this.beat(), 'presence heartbeat'),
      this.timings.heartbeatMs,
    ).unref();
  }

  async stop() {
    clearInterval(this.heartbeat);
    for (const entry of this.local.values()) clearTimeout(entry.goingOffline);
    this.local.clear();
    await this.store.close();
  }

  /** A socket of `user` opened on this instance. */
  opened(user: UserRef) {
    const entry = this.local.get(user.id) ?? { user, sockets: 0 };
    this.local.set(user.id, entry);
    entry.sockets++;
    if (entry.goingOffline) {
      // Back within the grace period (a reload): nobody was told they left.
      clearTimeout(entry.goingOffline);
      entry.goingOffline = undefined;
      return;
    }
    if (entry.sockets === 1) this.background(this.cameOnline(user), 'presence update');
  }

  /** A socket of `user` closed on this instance. */
  closed(user: UserRef) {
    const entry = this.local.get(user.id);
    if (!entry || --entry.sockets > 0) return;
    entry.goingOffline = setTimeout(() => {
      this.local.delete(user.id);
      this.background(this.wentOffline(user), 'presence update');
    }, this.timings.offlineGraceMs).unref();
  }

  /**
   * What `viewer` may see of each person's presence: only of conversation partners (people who
   * share a conversation with them), and null where either hides it or either blocked the other
   * — the same people the presence events go to.
   */
  async visibleTo(viewer: UserRef, userIds: readonly number[]): Promise<Map<number, Presence | null>> {
    const rows = await presenceSettings(this.pool, [...new Set([viewer.id, ...userIds])], viewer.id);
    const byId = new Map(rows.map((row) => [row.id, row]));
    const viewerShares = byId.get(viewer.id)?.sharePresence ?? false;
    const [blocked, online] = await Promise.all([
      this.blocks.blockedAmong(viewer.id, userIds),
      this.store.online(userIds),
    ]);
    return new Map(
      userIds.map((id) => {
        const row = byId.get(id);
        const visible =
          row && (id === viewer.id || (row.partner && viewerShares && row.sharePresence && !blocked.has(id)));
        return [
          id,
          visible ? { online: online.has(id), lastSeenAt: online.has(id) ? null : row.lastSeenAt } : null,
        ];
      }),
    );
  }

  private async beat() {
    const { gone, back } = await this.store.heartbeat();
    // Told offline by whoever took this instance for dead: they are here after all.
    for (const userId of back) {
      const entry = this.local.get(userId);
      if (entry) await this.tell(entry.user, { online: true, lastSeenAt: null });
    }
    const people = await this.users.byIds(gone);
    for (const user of people.values()) await this.wentOffline(user, { alreadyGone: true });
  }

  private async cameOnline(user: UserRef) {
    if (await this.store.connect(user.id)) await this.tell(user, { online: true, lastSeenAt: null });
  }

  private async wentOffline(user: UserRef, options = { alreadyGone: false }) {
    if (!options.alreadyGone && !(await this.store.disconnect(user.id))) return;
    const [seen] = await markLastSeen(this.pool, user.id);
    await this.tell(user, { online: false, lastSeenAt: seen?.lastSeenAt ?? null });
  }

  /**
   * The person started or stopped sharing presence: everyone they share a conversation with
   * (and their own other tabs) hears it at once, and reads their presence again.
   */
  async sharingChanged(user: UserRef) {
    const partners = await conversationPartners(this.pool, user.id);
    await this.bus.publishToUsers([user.id, ...partners.map(({ id }) => id)], {
      type: 'relationship',
      user: { id: user.id, username: user.username },
    });
  }

  /** Tells the people who share a conversation with `user`, where both share presence and neither blocked the other. */
  private async tell(user: UserRef, presence: Presence) {
    const recipients = await presenceWatchers(this.pool, user.id);
    const event: PresenceWireEvent = {
      type: 'presence',
      user: { id: user.id, username: user.username },
      online: presence.online,
      lastSeenAt: presence.lastSeenAt?.toISOString() ?? null,
    };
    await this.bus.publishToUsers(
      recipients.map(({ id }) => id),
      event,
    );
  }
}
