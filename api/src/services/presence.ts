import type { Logger } from 'pino';
import type { Database } from '../db/client.ts';
import type { PresenceWireEvent } from '../events.ts';
import type { PresenceStore } from '../presence-store.ts';
import type { EventBus } from '../pubsub.ts';
import type { BlockService } from './blocks.ts';
import type { UserRef } from './users.ts';

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
    private readonly db: Database,
    private readonly bus: EventBus,
    private readonly store: PresenceStore,
    private readonly blocks: BlockService,
    private readonly log: Logger,
    private readonly timings: PresenceTimings,
  ) {}

  async start() {
    await this.beat();
    this.heartbeat = setInterval(() => void this.beat(), this.timings.heartbeatMs).unref();
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
    if (entry.sockets === 1) void this.guard(this.cameOnline(user));
  }

  /** A socket of `user` closed on this instance. */
  closed(user: UserRef) {
    const entry = this.local.get(user.id);
    if (!entry || --entry.sockets > 0) return;
    entry.goingOffline = setTimeout(() => {
      this.local.delete(user.id);
      void this.guard(this.wentOffline(user));
    }, this.timings.offlineGraceMs).unref();
  }

  /** What `viewer` may see of each person's presence: null where either hides it or either blocked the other. */
  async visibleTo(viewer: UserRef, userIds: readonly number[]): Promise<Map<number, Presence | null>> {
    const rows = await this.db.user.findMany({
      where: { id: { in: [...new Set([viewer.id, ...userIds])] } },
      select: { id: true, sharePresence: true, lastSeenAt: true },
    });
    const byId = new Map(rows.map((row) => [row.id, row]));
    const viewerShares = byId.get(viewer.id)?.sharePresence ?? false;
    const [blocked, online] = await Promise.all([
      this.blocks.blockedAmong(viewer.id, userIds),
      this.store.online(userIds),
    ]);
    return new Map(
      userIds.map((id) => {
        const row = byId.get(id);
        const visible = row && (id === viewer.id || (viewerShares && row.sharePresence && !blocked.has(id)));
        return [
          id,
          visible ? { online: online.has(id), lastSeenAt: online.has(id) ? null : row.lastSeenAt } : null,
        ];
      }),
    );
  }

  private async beat() {
    try {
      const { gone, back } = await this.store.heartbeat();
      // Told offline by whoever took this instance for dead: they are here after all.
      for (const userId of back) {
        const entry = this.local.get(userId);
        if (entry) await this.tell(entry.user, { online: true, lastSeenAt: null });
      }
      for (const userId of gone) {
        const user = await this.db.user.findUnique({
          where: { id: userId },
          select: { id: true, username: true },
        });
        if (user) await this.wentOffline(user, { alreadyGone: true });
      }
    } catch (error) {
      this.log.warn({ err: error }, 'presence heartbeat failed');
    }
  }

  private async cameOnline(user: UserRef) {
    if (await this.store.connect(user.id)) await this.tell(user, { online: true, lastSeenAt: null });
  }

  private async wentOffline(user: UserRef, options = { alreadyGone: false }) {
    if (!options.alreadyGone && !(await this.store.disconnect(user.id))) return;
    // To the minute, and written at most once a minute however often someone comes and goes.
    const [seen] = await this.db.$queryRaw<Array<{ lastSeenAt: Date }>>`
      UPDATE users SET last_seen_at = date_trunc('minute', now())
      WHERE id = ${user.id} AND (last_seen_at IS NULL OR last_seen_at < date_trunc('minute', now()))
      RETURNING last_seen_at AS "lastSeenAt"`;
    const lastSeenAt =
      seen?.lastSeenAt ??
      (await this.db.user.findUnique({ where: { id: user.id }, select: { lastSeenAt: true } }))?.lastSeenAt ??
      null;
    await this.tell(user, { online: false, lastSeenAt });
  }

  /** Tells the people who share a conversation with `user`, where both share presence and neither blocked the other. */
  private async tell(user: UserRef, presence: Presence) {
    const recipients = await this.db.$queryRaw<Array<{ id: number }>>`
      SELECT DISTINCT other.user_id AS id
      FROM conversation_members mine
      JOIN conversation_members other ON other.conversation_id = mine.conversation_id AND other.user_id <> mine.user_id
      JOIN users them ON them.id = other.user_id AND them.share_presence
      JOIN users me ON me.id = mine.user_id AND me.share_presence
      WHERE mine.user_id = ${user.id}
        AND NOT EXISTS (
          SELECT 1 FROM blocks
          WHERE (blocker_id = mine.user_id AND blocked_id = other.user_id)
             OR (blocker_id = other.user_id AND blocked_id = mine.user_id))`;
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

  private async guard(work: Promise<void>) {
    try {
      await work;
    } catch (error) {
      this.log.warn({ err: error }, 'presence update failed');
    }
  }
}
