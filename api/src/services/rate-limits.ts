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

/**
 * Counters against guessing and flooding. Kept in Redis when there is one, so
 * every instance sees the same counts; each Redis limiter falls back to memory
 * while Redis is unreachable rather than failing the request.
 */
export class RateLimits {
  private readonly loginFailuresByAccount: RateLimiterAbstract;
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

  /** Refuses a login attempt once the account or the address has used up its failures. */
  async checkLogin(accountKey: string, address: string) {
    const [account, origin] = await Promise.all([
      this.loginFailuresByAccount.get(accountKey),
      this.loginFailuresByAddress.get(address),
    ]);
    for (const [result, limit] of [
      [account, this.loginFailuresByAccount.points],
      [origin, this.loginFailuresByAddress.points],
    ] as const) {
      if (result && result.consumedPoints >= limit) throw rateLimited(result);
    }
  }

  async recordLoginFailure(accountKey: string, address: string) {
    await Promise.allSettled([
      this.loginFailuresByAccount.penalty(accountKey),
      this.loginFailuresByAddress.penalty(address),
    ]);
  }

  async recordLoginSuccess(accountKey: string) {
    await this.loginFailuresByAccount.delete(accountKey);
  }

  consumeSignup(address: string) {
    return consumeOrThrow(this.signupsByAddress, address);
  }

  consumeSend(userId: number) {
    return consumeOrThrow(this.sendsByUser, userId);
  }
}
