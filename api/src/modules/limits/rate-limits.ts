import type { Redis } from 'ioredis';
import { setTimeout as delay } from 'node:timers/promises';
import {
  BurstyRateLimiter,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type IRateLimiterOptions,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { Config } from '../../app/config.ts';
import { AppError } from '../../domain/errors.ts';
import { sourceStreamDefaults } from '../../realtime/pull-stream.ts';

type LimitsConfig = Pick<
  Config,
  | 'LOGIN_FAILURES_PER_ACCOUNT'
  | 'LOGIN_FAILURES_PER_ACCOUNT_ADDRESS'
  | 'LOGIN_FAILURES_PER_ADDRESS'
  | 'LOGIN_FAILURE_WINDOW'
  | 'SIGNUPS_PER_ADDRESS_PER_HOUR'
  | 'SENDS_PER_USER_BURST'
  | 'SENDS_PER_USER_PER_MINUTE'
  | 'GROUP_CHANGES_PER_USER_PER_MINUTE'
  | 'GROUP_CHANGES_PER_CONVERSATION_PER_MINUTE'
  | 'EVENTS_BACKFILL_ROWS_PER_USER_PER_MINUTE'
  | 'UPLOADS_PER_USER_PER_MINUTE'
  | 'SEARCHES_PER_USER_PER_MINUTE'
  | 'PASSWORD_RESETS_PER_ADDRESS_PER_HOUR'
  | 'PASSWORD_RESETS_PER_ACCOUNT_PER_HOUR'
>;

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'always' });

/** A wait as people say it: "in 40 seconds", "in 12 minutes", "in about an hour", "in about 3 hours". */
export function inHumanTerms(seconds: number): string {
  if (seconds < 60) return relative.format(seconds, 'second');
  const minutes = Math.round(seconds / 60);
  if (minutes < 45) return relative.format(minutes, 'minute');
  const hours = Math.max(1, Math.round(minutes / 60));
  return hours === 1 ? 'in about an hour' : `in about ${hours} hours`;
}

function rateLimited(result: RateLimiterRes): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil(result.msBeforeNext / 1000));
  return new AppError('RATE_LIMITED', `Too many attempts. Try again ${inHumanTerms(retryAfterSeconds)}.`, {
    retryAfterSeconds,
  });
}

async function consumeOrThrow(limiter: RateLimiterAbstract | BurstyRateLimiter, key: string | number) {
  try {
    await limiter.consume(key);
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) throw rateLimited(rejection);
    throw rejection;
  }
}

/** Unambiguous whatever the two contain (IPv6 addresses have colons, usernames may too). */
const accountAddressKey = (accountKey: string, address: string) => JSON.stringify([accountKey, address]);

/**
 * Counters against guessing and flooding. Kept in Redis when there is one, so
 * every instance sees the same counts; each Redis limiter falls back to memory
 * while Redis is unreachable rather than failing the request.
 */
export class RateLimits {
  private readonly loginFailuresByAccount: RateLimiterAbstract;
  private readonly loginFailuresByAccountAddress: RateLimiterAbstract;
  private readonly loginFailuresByAddress: RateLimiterAbstract;
  private readonly signupsByAddress: RateLimiterAbstract;
  private readonly sendsByUser: BurstyRateLimiter;
  private readonly typingByUser: RateLimiterAbstract;
  private readonly groupChangesByUser: RateLimiterAbstract;
  private readonly groupChangesByConversation: RateLimiterAbstract;
  private readonly backfillRowsByUser: RateLimiterAbstract;
  private readonly uploadsByUser: RateLimiterAbstract;
  private readonly searchesByUser: RateLimiterAbstract;
  private readonly passwordResetsByAddress: RateLimiterAbstract;
  private readonly passwordResetsByAccount: RateLimiterAbstract;

  constructor(config: LimitsConfig, redis?: { client: Redis; keyPrefix: string }) {
    const limiter = (options: IRateLimiterOptions & { keyPrefix: string }): RateLimiterAbstract =>
      redis
        ? new RateLimiterRedis({
            ...options,
            keyPrefix: redis.keyPrefix + options.keyPrefix,
            storeClient: redis.client,
            insuranceLimiter: new RateLimiterMemory(options),
          })
        : new RateLimiterMemory(options);
    const windowSeconds = Math.ceil(config.LOGIN_FAILURE_WINDOW / 1000);
    this.loginFailuresByAccount = limiter({
      keyPrefix: 'rl:login:account',
      points: config.LOGIN_FAILURES_PER_ACCOUNT,
      duration: windowSeconds,
    });
    this.loginFailuresByAccountAddress = limiter({
      keyPrefix: 'rl:login:account-address',
      points: config.LOGIN_FAILURES_PER_ACCOUNT_ADDRESS,
      duration: windowSeconds,
    });
    this.loginFailuresByAddress = limiter({
      keyPrefix: 'rl:login:address',
      points: config.LOGIN_FAILURES_PER_ADDRESS,
      duration: windowSeconds,
    });
    this.signupsByAddress = limiter({
      keyPrefix: 'rl:signup:address',
      points: config.SIGNUPS_PER_ADDRESS_PER_HOUR,
      duration: 3600,
    });
    this.sendsByUser = new BurstyRateLimiter(
      limiter({ keyPrefix: 'rl:send:sustained', points: config.SENDS_PER_USER_PER_MINUTE, duration: 60 }),
      limiter({ keyPrefix: 'rl:send:burst', points: config.SENDS_PER_USER_BURST, duration: 10 }),
    );
    // Generous: a client calls setTyping once per keystroke at most.
    this.typingByUser = limiter({ keyPrefix: 'rl:typing', points: 60, duration: 10 });
    this.groupChangesByUser = limiter({
      keyPrefix: 'rl:group:user',
      points: config.GROUP_CHANGES_PER_USER_PER_MINUTE,
      duration: 60,
    });
    this.groupChangesByConversation = limiter({
      keyPrefix: 'rl:group:conversation',
      points: config.GROUP_CHANGES_PER_CONVERSATION_PER_MINUTE,
      duration: 60,
    });
    this.passwordResetsByAddress = limiter({
      keyPrefix: 'rl:reset:address',
      points: config.PASSWORD_RESETS_PER_ADDRESS_PER_HOUR,
      duration: 3600,
    });
    this.passwordResetsByAccount = limiter({
      keyPrefix: 'rl:reset:account',
      points: config.PASSWORD_RESETS_PER_ACCOUNT_PER_HOUR,
      duration: 3600,
    });
    // Paced, not a minute's worth at once: one read's worth per window, so a replay's work is
    // spread evenly and the people sharing the instance do not feel it.
    const backfillWindow = Math.max(1, Math.ceil((60 * sourceStreamDefaults.readBatch) / config.EVENTS_BACKFILL_ROWS_PER_USER_PER_MINUTE));
    this.backfillRowsByUser = limiter({
      keyPrefix: 'rl:backfill',
      points: Math.floor((config.EVENTS_BACKFILL_ROWS_PER_USER_PER_MINUTE * backfillWindow) / 60),
      duration: backfillWindow,
    });
    this.searchesByUser = limiter({
      keyPrefix: 'rl:search',
      points: config.SEARCHES_PER_USER_PER_MINUTE,
      duration: 60,
    });
    this.uploadsByUser = limiter({ keyPrefix: 'rl:upload', points: config.UPLOADS_PER_USER_PER_MINUTE, duration: 60 });
  }

  /** One upload ticket (UPLOADS_PER_USER_PER_MINUTE). */
  consumeUpload(userId: number) {
    return consumeOrThrow(this.uploadsByUser, userId);
  }

  /**
   * Takes one point from each counter in turn; when one refuses, the points taken from those
   * before it are given back, so an attempt refused by a narrow counter costs nothing elsewhere.
   */
  private async consumeAll(counters: ReadonlyArray<readonly [RateLimiterAbstract, string | number]>) {
    for (const [index, [limiter, key]] of counters.entries()) {
      try {
        await consumeOrThrow(limiter, key);
      } catch (error) {
        await Promise.allSettled(counters.slice(0, index).map(([taken, takenKey]) => taken.reward(takenKey)));
        throw error;
      }
    }
  }

  /**
   * Takes one attempt from every login counter before the password is checked,
   * so concurrent guesses cannot all pass a check made before any was counted.
   * Narrowest first, and an attempt one counter refuses is given back to those
   * before it: guesses from one address that its own account-and-address limit
   * refuses never use up the account's budget across addresses, so nobody can
   * lock the owner out from elsewhere.
   */
  consumeLoginAttempt(accountKey: string, address: string) {
    return this.consumeAll([
      [this.loginFailuresByAccountAddress, accountAddressKey(accountKey, address)],
      [this.loginFailuresByAddress, address],
      [this.loginFailuresByAccount, accountKey],
    ]);
  }

  /** A right password was no failure: its attempt is given back and the pair's failures forgotten. */
  async recordLoginSuccess(accountKey: string, address: string) {
    await Promise.allSettled([
      this.loginFailuresByAccountAddress.delete(accountAddressKey(accountKey, address)),
      this.loginFailuresByAddress.reward(address),
      this.loginFailuresByAccount.reward(accountKey),
    ]);
  }

  consumeSignup(address: string) {
    return consumeOrThrow(this.signupsByAddress, address);
  }

  /** A password-reset request from a client address: refused openly, since it says nothing of any account. */
  consumePasswordResetRequest(address: string) {
    return consumeOrThrow(this.passwordResetsByAddress, address);
  }

  /**
   * Whether one more reset mail may go to this account. A refusal is silent (false), not an
   * error: an answer that differed would tell whether the email has an account.
   */
  async mayMailPasswordReset(userId: number): Promise<boolean> {
    try {
      await this.passwordResetsByAccount.consume(userId);
      return true;
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return false;
      throw rejection;
    }
  }

  consumeSend(userId: number) {
    return consumeOrThrow(this.sendsByUser, userId);
  }

  consumeSearch(userId: number) {
    return consumeOrThrow(this.searchesByUser, userId);
  }

  consumeTyping(userId: number) {
    return consumeOrThrow(this.typingByUser, userId);
  }

  /**
   * Waits until the person's streams may read `rows` more rows back from PostgreSQL (a resume's
   * backlog, a re-read after an overflow): a budget, not a refusal, so a replay goes slower
   * instead of failing. Rejects only when `signal` aborts (the stream closed).
   */
  async waitForBackfill(userId: number, rows: number, signal: AbortSignal): Promise<void> {
    for (;;) {
      try {
        await this.backfillRowsByUser.consume(userId, rows);
        return;
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        await delay(rejection.msBeforeNext, undefined, { signal });
      }
    }
  }

  /**
   * A change to a group: counted for the person and, when the group exists, for the group,
   * whoever makes it (its own limit, apart from sends: each change lands in every member's
   * timeline and list).
   */
  consumeGroupChange(userId: number, conversationId: number | null) {
    return this.consumeAll([
      [this.groupChangesByUser, userId],
      ...(conversationId === null ? [] : [[this.groupChangesByConversation, conversationId] as const]),
    ]);
  }
}
