import type { Redis } from 'ioredis';
import {
  BurstyRateLimiter,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type IRateLimiterOptions,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { Config } from '../env.ts';
import { AppError } from './errors.ts';

type LimitsConfig = Pick<
  Config,
  | 'LOGIN_FAILURES_PER_ACCOUNT'
  | 'LOGIN_FAILURES_PER_ACCOUNT_ADDRESS'
  | 'LOGIN_FAILURES_PER_ADDRESS'
  | 'LOGIN_FAILURE_WINDOW'
  | 'SIGNUPS_PER_ADDRESS_PER_HOUR'
  | 'SENDS_PER_USER_BURST'
  | 'SENDS_PER_USER_PER_MINUTE'
>;

function rateLimited(result: RateLimiterRes): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil(result.msBeforeNext / 1000));
  return new AppError('RATE_LIMITED', `Too many attempts. Try again in ${retryAfterSeconds} s.`, {
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
  }

  /**
   * Takes one attempt from every login counter before the password is checked,
   * so concurrent guesses cannot all pass a check made before any was counted.
   * Narrowest first, and an attempt one counter refuses is given back to those
   * before it: guesses from one address that its own account-and-address limit
   * refuses never use up the account's budget across addresses, so nobody can
   * lock the owner out from elsewhere.
   */
  async consumeLoginAttempt(accountKey: string, address: string) {
    const counters = [
      [this.loginFailuresByAccountAddress, accountAddressKey(accountKey, address)],
      [this.loginFailuresByAddress, address],
      [this.loginFailuresByAccount, accountKey],
    ] as const;
    for (const [index, [limiter, key]] of counters.entries()) {
      try {
        await consumeOrThrow(limiter, key);
      } catch (error) {
        await Promise.allSettled(counters.slice(0, index).map(([taken, takenKey]) => taken.reward(takenKey)));
        throw error;
      }
    }
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

  consumeSend(userId: number) {
    return consumeOrThrow(this.sendsByUser, userId);
  }
}
