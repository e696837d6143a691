import { createHash, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { Prisma } from '../generated/prisma/client.ts';
import type { Database } from '../db/client.ts';
import type { EventBus } from '../pubsub.ts';
import { AppError } from './errors.ts';
import { hashPassword, validatePassword, verifyPassword } from './passwords.ts';
import type { RateLimits } from './rate-limits.ts';
import { isUniqueViolation, type UserRef } from './users.ts';
import {
  refuseNul,
  usernameKey,
  usernameSkeleton,
  validateEmail,
  validateNewUsername,
} from './validation.ts';

/** Who is making a request: a user and the session that proves it. */
export interface Viewer extends UserRef {
  sessionId: string;
  /** When the session ends regardless of activity (ms since the epoch). */
  sessionExpiresAt: number;
}

export interface SignedIn {
  token: string;
  viewer: Viewer;
}

export interface SignupInput {
  username: string;
  email: string;
  password: string;
  /** The client's address, for the signups-per-address limit. */
  address: string;
}

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

interface SessionRow {
  id: string;
  expiresAt: Date;
  lastSeenAt: Date;
  userId: number;
  username: string;
}

interface CachedSession {
  viewer: Viewer;
  lastSeenAt: number;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest();

const invalidCredentials = () => new AppError('UNAUTHENTICATED', 'Invalid username or password.');

/** Sign-up, log-in and server-side sessions, shared by GraphQL and the compat endpoints. */
export class AccountService {
  constructor(
    private readonly db: Database,
    private readonly bus: EventBus,
    private readonly rateLimits: RateLimits,
    private readonly sessionPolicy: SessionPolicy,
    /** Closes this instance's sockets of ended sessions at once, without a round trip through the bus. */
    private readonly closeLocalSockets: (sessionIds: string[]) => void,
  ) {
    this.cache = new LRUCache({
      max: CACHED_SESSIONS,
      ttl: Math.max(1, sessionPolicy.cacheTtlMs),
      dispose: (entry) => this.cacheKeys.delete(entry.viewer.sessionId),
    });
  }

  /**
   * Recently seen sessions by token hash, so that an HTTP request costs no
   * query: trusted for `cacheTtlMs` at most, only while the bus is up (a
   * revocation reaches every instance through it, see `revoked`), and never
   * past the session's expiry or a due touch, which go to PostgreSQL.
   */
  private readonly cache: LRUCache<string, CachedSession>;
  /** The cache's keys by session id, for revocations, which name sessions rather than tokens. */
  private readonly cacheKeys = new Map<string, string>();

  /** Often enough that an active session never reaches its idle timeout. */
  private get touchIntervalMs() {
    return Math.min(MAX_TOUCH_INTERVAL_MS, this.sessionPolicy.idleTimeoutMs / 4);
  }

  /** Creates an account and signs it in (GraphQL `signup`). */
  async signup(input: SignupInput): Promise<SignedIn> {
    return this.startSession(await this.register(input));
  }

  /** Creates an account without signing it in (the compat form, which sends people to log in). */
  async register(input: SignupInput): Promise<UserRef> {
    const username = validateNewUsername(input.username);
    const email = validateEmail(input.email);
    validatePassword(input.password, { username, email });
    await this.rateLimits.consumeSignup(input.address);
    const passwordHash = await hashPassword(input.password);
    try {
      return await this.db.user.create({
        data: {
          username,
          usernameKey: usernameKey(username),
          usernameSkeleton: usernameSkeleton(username),
          email,
          passwordHash,
        },
        select: { id: true, username: true },
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new AppError(
          'CONFLICT',
          'A user with that username, or one that looks like it, already exists.',
          {
            field: 'username',
          },
        );
      }
      throw error;
    }
  }

  /** An unknown user and a wrong password fail alike and take the same time. */
  async login(input: { username: string; password: string; address: string }): Promise<SignedIn> {
    refuseNul(input.username, 'username');
    if (input.username.length === 0 || input.username.length > 150) throw invalidCredentials();
    const key = usernameKey(input.username);
    await this.rateLimits.consumeLoginAttempt(key, input.address);
    const user = await this.db.user.findUnique({
      where: { usernameKey: key },
      select: { id: true, username: true, passwordHash: true },
    });
    if (!(await verifyPassword(user?.passwordHash ?? null, input.password)) || !user) {
      throw invalidCredentials();
    }
    await this.rateLimits.recordLoginSuccess(key, input.address);
    return this.startSession({ id: user.id, username: user.username });
  }

  /** Always a new session id: a token planted before login is never promoted (no fixation). */
  private async startSession(user: UserRef): Promise<SignedIn> {
    const token = randomBytes(32).toString('base64url');
    const session = await this.db.session.create({
      data: {
        tokenHash: hashToken(token),
        userId: user.id,
        expiresAt: new Date(Date.now() + this.sessionPolicy.maxAgeMs),
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
    const now = Date.now();
    const cached = this.cache.get(key);
    if (cached && this.bus.healthy && this.current(cached.viewer.sessionExpiresAt, cached.lastSeenAt, now))
      return cached.viewer;
    // Every request and socket passes here: one statement with the join, rather than the
    // two Prisma's nested select would run.
    const [session] = await this.db.$queryRaw<SessionRow[]>`
      SELECT sessions.id, sessions.expires_at AS "expiresAt", sessions.last_seen_at AS "lastSeenAt",
             users.id AS "userId", users.username
      FROM sessions JOIN users ON users.id = sessions.user_id
      WHERE sessions.token_hash = ${tokenHash}`;
    if (!session) return null;
    if (
      session.expiresAt.getTime() <= now ||
      session.lastSeenAt.getTime() + this.sessionPolicy.idleTimeoutMs <= now
    ) {
      await this.db.session.deleteMany({ where: { id: session.id } });
      return null;
    }
    let lastSeenAt = session.lastSeenAt.getTime();
    if (now - lastSeenAt > this.touchIntervalMs) {
      await this.db.session.update({ where: { id: session.id }, data: { lastSeenAt: new Date(now) } });
      lastSeenAt = now;
    }
    const viewer = {
      id: session.userId,
      username: session.username,
      sessionId: session.id,
      sessionExpiresAt: session.expiresAt.getTime(),
    };
    if (this.sessionPolicy.cacheTtlMs > 0) {
      this.cache.set(key, { viewer, lastSeenAt });
      this.cacheKeys.set(viewer.sessionId, key);
    }
    return viewer;
  }

  /** Whether a session known to be live at `lastSeenAt` is still, without a touch due. */
  private current(expiresAt: number, lastSeenAt: number, now: number) {
    return expiresAt > now && now - lastSeenAt <= this.touchIntervalMs;
  }

  /** Sessions ended here or elsewhere (a logout, heard over the bus): forgotten and their sockets closed. */
  revoked(sessionIds: string[]) {
    for (const sessionId of sessionIds) {
      const key = this.cacheKeys.get(sessionId);
      if (key !== undefined) this.cache.delete(key);
    }
    this.closeLocalSockets(sessionIds);
  }

  /** After the bus was away, revocations may have been missed: every session is looked up again. */
  forgetCachedSessions() {
    this.cache.clear();
  }

  /**
   * Revokes at once: the row goes, this instance forgets the session and
   * closes its sockets itself, and the others hear it through the bus (or,
   * when they missed it, find the row gone when their bus reconnects: see
   * `liveSessions` and `forgetCachedSessions`).
   */
  async logout(viewer: Viewer): Promise<void> {
    await this.db.session.deleteMany({ where: { id: viewer.sessionId } });
    this.revoked([viewer.sessionId]);
    await this.bus.publish('sessions:revoked', { sessionIds: [viewer.sessionId] });
  }

  /** Which of these sessions still stand: neither deleted nor past their absolute or idle expiry. */
  async liveSessions(sessionIds: string[]): Promise<Set<string>> {
    const rows = await this.db.$queryRaw<Array<{ id: string }>>`
      SELECT id FROM sessions WHERE id = ANY(${sessionIds}::uuid[]) AND NOT ${this.expired()}`;
    return new Set(rows.map((row) => row.id));
  }

  private expired(now = Date.now()) {
    return Prisma.sql`(expires_at <= ${new Date(now)}
      OR last_seen_at <= ${new Date(now - this.sessionPolicy.idleTimeoutMs)})`;
  }

  /**
   * Deletes expired sessions every `intervalMs` (they are otherwise deleted
   * only when presented), in bounded batches; SKIP LOCKED lets several
   * instances sweep at once without waiting on each other. The returned stop
   * waits for a sweep in progress.
   */
  startSessionSweep(intervalMs: number, onError: (error: unknown) => void): () => Promise<void> {
    let stopped = false;
    let running: Promise<void> | undefined;
    const sweep = async () => {
      try {
        while (!stopped) {
          const deleted = await this.db.$executeRaw`
            DELETE FROM sessions WHERE id IN (
              SELECT id FROM sessions WHERE ${this.expired()} LIMIT ${SWEEP_BATCH} FOR UPDATE SKIP LOCKED)`;
          if (deleted < SWEEP_BATCH) break;
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
