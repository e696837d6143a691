import { createHash, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type pg from 'pg';
import type { Database } from '../../db/client.ts';
import type { UserRef, Viewer } from '../../domain/people.ts';
import type { EventBus } from '../../realtime/bus.ts';
import { AppError } from '../../domain/errors.ts';
import type { Queryable } from '../../db/client.ts';
import {
  deleteOwnSession,
  deleteSession,
  deleteSessionsOf,
  findSession,
  listSessions,
  type SessionListRow,
  standingSessions,
  sweepSessions,
  touchSession,
} from './sessions.sql.ts';

export interface SignedIn {
  token: string;
  viewer: Viewer;
}

/** Where a sign-in came from, kept with its session so that people can tell their devices apart. */
export interface SignInClient {
  userAgent?: string | undefined;
  address?: string | undefined;
}

/** A User-Agent longer than this is cut: it is shown, never parsed for decisions. */
const MAX_USER_AGENT = 512;

/** Sessions listed at most (one per sign-in within SESSION_MAX_AGE; more is abuse, not use). */
export const LISTED_SESSIONS = 200;

export interface SessionPolicy {
  idleTimeoutMs: number;
  maxAgeMs: number;
  /** How long a looked-up session is trusted without PostgreSQL (0: never); revocations evict it at once. */
  cacheTtlMs: number;
}

/** Sessions kept by the cache: each entry is a few hundred bytes. */
const CACHED_SESSIONS = 10_000;

/** Expired sessions deleted per statement by the sweep: short locks, however many have piled up. */
const SWEEP_BATCH = 1000;

/** Touching last_seen_at on every request would be a write per request; once a minute is enough. */
const MAX_TOUCH_INTERVAL_MS = 60_000;

interface CachedSession {
  viewer: Viewer;
  lastSeenAt: number;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest();

/**
 * Server-side sessions: only the SHA-256 of a bearer token is stored, so a
 * leaked table grants nothing and deleting the row revokes at once. Shared by
 * every transport (GraphQL over HTTP and WebSocket, the compat pages and sockets).
 */
export class SessionService {
  /**
   * Recently seen sessions by token hash, so that an HTTP request costs no
   * query: trusted for `cacheTtlMs` at most, only while the bus is up (a
   * revocation reaches every instance through it, see `revoked`), and never
   * past the session's expiry or a due touch, which go to PostgreSQL.
   */
  private readonly cache: LRUCache<string, CachedSession>;
  /** The cache's keys by session id, for revocations, which name sessions rather than tokens. */
  private readonly cacheKeys = new Map<string, string>();
  private readonly revocationListeners = new Set<(sessionIds: string[]) => void>();

  constructor(
    private readonly db: Database,
    private readonly pool: pg.Pool,
    private readonly bus: EventBus,
    private readonly policy: SessionPolicy,
    private readonly now: () => number = Date.now,
  ) {
    this.cache = new LRUCache({
      max: CACHED_SESSIONS,
      ttl: Math.max(1, policy.cacheTtlMs),
      dispose: (entry) => this.cacheKeys.delete(entry.viewer.sessionId),
    });
  }

  /** Often enough that an active session never reaches its idle timeout. */
  private get touchIntervalMs() {
    return Math.min(MAX_TOUCH_INTERVAL_MS, this.policy.idleTimeoutMs / 4);
  }

  /** Always a new session id: a token planted before login is never promoted (no fixation). */
  async start(user: UserRef, client: SignInClient = {}): Promise<SignedIn> {
    const token = randomBytes(32).toString('base64url');
    const session = await this.db.session.create({
      data: {
        tokenHash: hashToken(token),
        userId: user.id,
        expiresAt: new Date(this.now() + this.policy.maxAgeMs),
        userAgent: client.userAgent?.slice(0, MAX_USER_AGENT) || null,
        address: client.address?.slice(0, 100) || null,
      },
      select: { id: true, expiresAt: true },
    });
    return {
      token,
      viewer: { ...user, sessionId: session.id, sessionExpiresAt: session.expiresAt.getTime() },
    };
  }

  /** The viewer a bearer token or session cookie stands for, or null if it is unknown or expired. */
  async authenticate(token: string | undefined | null): Promise<Viewer | null> {
    if (!token || token.length > 100) return null;
    const tokenHash = hashToken(token);
    const key = tokenHash.toString('base64');
    const now = this.now();
    const cached = this.cache.get(key);
    if (cached && this.bus.healthy && this.current(cached.viewer.sessionExpiresAt, cached.lastSeenAt, now))
      return cached.viewer;
    const [session] = await findSession(this.pool, tokenHash);
    if (!session) return null;
    if (
      session.expiresAt.getTime() <= now ||
      session.lastSeenAt.getTime() + this.policy.idleTimeoutMs <= now
    ) {
      await deleteSession(this.pool, session.id);
      return null;
    }
    let lastSeenAt = session.lastSeenAt.getTime();
    if (now - lastSeenAt > this.touchIntervalMs) {
      await touchSession(this.pool, session.id, new Date(now));
      lastSeenAt = now;
    }
    const viewer = {
      id: session.userId,
      username: session.username,
      sessionId: session.id,
      sessionExpiresAt: session.expiresAt.getTime(),
    };
    if (this.policy.cacheTtlMs > 0) {
      this.cache.set(key, { viewer, lastSeenAt });
      this.cacheKeys.set(viewer.sessionId, key);
    }
    return viewer;
  }

  /** Whether a session known to be live at `lastSeenAt` is still, without a touch due. */
  private current(expiresAt: number, lastSeenAt: number, now: number) {
    return expiresAt > now && now - lastSeenAt <= this.touchIntervalMs;
  }

  /** Sessions ended here or elsewhere (a logout, heard over the bus): forgotten, and the listeners told. */
  revoked(sessionIds: string[]) {
    for (const sessionId of sessionIds) {
      const key = this.cacheKeys.get(sessionId);
      if (key !== undefined) this.cache.delete(key);
    }
    for (const listener of this.revocationListeners) listener(sessionIds);
  }

  /** Hears every revocation this instance learns of (its socket registry closes their sockets). */
  onRevoked(listener: (sessionIds: string[]) => void): () => void {
    this.revocationListeners.add(listener);
    return () => void this.revocationListeners.delete(listener);
  }

  /** After the bus was away, revocations may have been missed: every session is looked up again. */
  forgetCached() {
    this.cache.clear();
  }

  /**
   * Revokes at once: the row goes, this instance forgets the session and
   * closes its sockets itself, and the others hear it through the bus (or,
   * when they missed it, find the row gone when their bus reconnects: see
   * `standing` and `forgetCached`).
   */
  async end(viewer: Viewer): Promise<void> {
    await deleteSession(this.pool, viewer.sessionId);
    await this.announceEnded([viewer.sessionId]);
  }

  /** Sessions whose rows are gone (committed): forgotten here, their sockets closed everywhere. */
  async announceEnded(sessionIds: string[]): Promise<void> {
    if (sessionIds.length === 0) return;
    this.revoked(sessionIds);
    await this.bus.publish('sessions:revoked', { sessionIds });
  }

  /** The viewer's standing sessions, most recently active first. */
  list(userId: number): Promise<SessionListRow[]> {
    const now = this.now();
    return listSessions(this.pool, userId, new Date(now), new Date(now - this.policy.idleTimeoutMs), LISTED_SESSIONS);
  }

  /** Ends one of the viewer's own sessions (this one too); another person's is NOT_FOUND, as is an unknown id. */
  async endOwn(viewer: Viewer, sessionId: string): Promise<void> {
    const valid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(sessionId);
    const [ended] = valid ? await deleteOwnSession(this.pool, viewer.id, sessionId) : [];
    if (!ended) throw new AppError('NOT_FOUND', 'There is no such session.', { field: 'id' });
    await this.announceEnded([ended.id]);
  }

  /** Ends every session of the viewer's but this one; answers how many. */
  async endOthers(viewer: Viewer): Promise<number> {
    const ended = await this.deleteAllOf(this.pool, viewer.id, viewer.sessionId);
    await this.announceEnded(ended);
    return ended.length;
  }

  /**
   * Ends every session of a person but `keep` (null: every one), inside the caller's
   * transaction when given one; the caller announces the returned ids after its commit.
   */
  async deleteAllOf(db: Queryable, userId: number, keep: string | null): Promise<string[]> {
    return (await deleteSessionsOf(db, userId, keep)).map((row) => row.id);
  }

  /** Which of these sessions still stand: neither deleted nor past their absolute or idle expiry. */
  async standing(sessionIds: string[]): Promise<Set<string>> {
    const now = this.now();
    const rows = await standingSessions(
      this.pool,
      sessionIds,
      new Date(now),
      new Date(now - this.policy.idleTimeoutMs),
    );
    return new Set(rows.map((row) => row.id));
  }

  /**
   * Deletes expired sessions every `intervalMs` (they are otherwise deleted
   * only when presented), in bounded batches. The returned stop waits for a
   * sweep in progress.
   */
  startSweep(intervalMs: number, onError: (error: unknown) => void): () => Promise<void> {
    let stopped = false;
    let running: Promise<void> | undefined;
    const sweep = async () => {
      try {
        while (!stopped) {
          const now = this.now();
          const deleted = await sweepSessions(
            this.pool,
            new Date(now),
            new Date(now - this.policy.idleTimeoutMs),
            SWEEP_BATCH,
          );
          if (deleted.length < SWEEP_BATCH) break;
        }
      } catch (error) {
        onError(error);
      }
    };
    const timer = setInterval(() => {
      running ??= sweep().finally(() => (running = undefined));
    }, intervalMs).unref();
    return async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    };
  }
}
