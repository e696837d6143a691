import { z } from 'zod';

const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'a number with a unit: ms, s, m, h or d (e.g. 15m)')
  .transform((text) => {
    const [, amount, unit] = /^(\d+)(ms|s|m|h|d)$/.exec(text)!;
    const unitMs = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit as 'ms'];
    return Number(amount) * unitMs;
  });

const flag = z.enum(['true', 'false', '1', '0']).transform((text) => text === 'true' || text === '1');

const commaList = z.string().transform((text) =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);

const url = (protocols: string[]) =>
  z.string().refine(
    (text) => {
      try {
        return protocols.includes(new URL(text).protocol);
      } catch {
        return false;
      }
    },
    `a URL starting with ${protocols.join(' or ')}//`,
  );

const positiveInt = z.coerce.number().int().positive();

/** Every setting the server reads from its environment; `.env.example` documents each one. */
const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65_535).default(8000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  DATABASE_POOL_SIZE: positiveInt.default(10),
  EMBEDDED_PG_DIR: z.string().min(1).default('.data/postgres'),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65_535).default(54_329),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  REDIS_KEY_PREFIX: z.string().max(64).default('chat:'),

  ALLOWED_ORIGINS: commaList.default([]),
  /** The built web client (`npm run build`): its pages and assets are served at `/`. */
  WEB_DIST_DIR: z.string().min(1).default('web/dist'),
  TRUST_PROXY: flag.default(false),
  GRAPHIQL: flag.optional(),
  INTROSPECTION: flag.optional(),

  SESSION_IDLE_TIMEOUT: duration.prefault('14d'),
  SESSION_MAX_AGE: duration.prefault('30d'),
  SESSION_SWEEP_INTERVAL: duration.prefault('10m'),
  SESSION_CACHE_TTL: duration.prefault('10s'),

  PRESENCE_OFFLINE_GRACE: duration.prefault('30s'),
  PRESENCE_HEARTBEAT: duration.prefault('20s'),
  MAX_GROUP_MEMBERS: positiveInt.min(2).max(10_000).default(256),
  MESSAGE_MAX_LENGTH: positiveInt.max(100_000).default(4000),
  HISTORY_MAX_MESSAGES: positiveInt.default(10_000),
  HISTORY_MAX_BYTES: positiveInt.default(1024 * 1024),
  WS_MAX_PAYLOAD_BYTES: positiveInt.default(64 * 1024),
  WS_MAX_SUBSCRIPTIONS_PER_SOCKET: positiveInt.default(50),
  WS_MAX_SOCKETS_PER_USER: positiveInt.default(20),
  WS_MAX_BUFFERED_BYTES: positiveInt.default(4 * 1024 * 1024),
  WS_KEEPALIVE_INTERVAL: duration.prefault('25s'),
  STREAM_BUFFER_EVENTS: positiveInt.max(100_000).default(256),
  HTTP_IDLE_TIMEOUT: duration.prefault('30s'),
  MAX_CONNECTIONS: positiveInt.default(10_000),
  SHUTDOWN_TIMEOUT: duration.prefault('10s'),

  LOGIN_FAILURES_PER_ACCOUNT_ADDRESS: positiveInt.default(5),
  LOGIN_FAILURES_PER_ACCOUNT: positiveInt.default(100),
  LOGIN_FAILURES_PER_ADDRESS: positiveInt.default(20),
  LOGIN_FAILURE_WINDOW: duration.prefault('15m'),
  SIGNUPS_PER_ADDRESS_PER_HOUR: positiveInt.default(10),
  SENDS_PER_USER_BURST: positiveInt.default(30),
  SENDS_PER_USER_PER_MINUTE: positiveInt.default(600),
});

type RawEnv = z.infer<typeof envSchema>;

export type Config = Omit<RawEnv, 'GRAPHIQL' | 'INTROSPECTION'> & {
  GRAPHIQL: boolean;
  INTROSPECTION: boolean;
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads and validates the configuration once. Every bad variable is reported
 * together, so a misconfigured deployment is fixed in one round.
 */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  }
  const env = parsed.data;
  const developing = env.NODE_ENV !== 'production';
  return {
    ...env,
    GRAPHIQL: env.GRAPHIQL ?? developing,
    INTROSPECTION: env.INTROSPECTION ?? developing,
  };
}
