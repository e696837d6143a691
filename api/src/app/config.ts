import { z } from 'zod';

const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'a number with a unit: ms, s, m, h or d (e.g. 15m)')
  .transform((text) => {
    const [, amount, unit] = /^(\d+)(ms|s|m|h|d)$/.exec(text)!;
    const unitMs = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit as 'ms'];
    return Number(amount) * unitMs;
  });

const positiveDuration = duration.refine((ms) => ms > 0, 'more than zero');

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
  /** A read replica of DATABASE_URL: message search and history pages read there (see docs/scaling.md). */
  DATABASE_REPLICA_URL: url(['postgres:', 'postgresql:']).optional(),
  DATABASE_POOL_SIZE: positiveInt.default(10),
  DATABASE_STATEMENT_TIMEOUT: positiveDuration.prefault('5s'),
  DATABASE_LOCK_TIMEOUT: positiveDuration.prefault('3s'),
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT: positiveDuration.prefault('5s'),
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
  TYPING_LAPSE: positiveDuration.prefault('6s'),
  MAX_GROUP_MEMBERS: positiveInt.min(2).max(10_000).default(256),
  MESSAGE_MAX_LENGTH: positiveInt.max(100_000).default(4000),
  MESSAGE_EDIT_WINDOW: positiveDuration.prefault('24h'),
  HISTORY_MAX_MESSAGES: positiveInt.default(10_000),
  HISTORY_MAX_BYTES: positiveInt.default(1024 * 1024),
  WS_MAX_PAYLOAD_BYTES: positiveInt.default(64 * 1024),
  WS_MAX_SUBSCRIPTIONS_PER_SOCKET: positiveInt.default(50),
  WS_MAX_SOCKETS_PER_USER: positiveInt.default(20),
  WS_MAX_BUFFERED_BYTES: positiveInt.default(4 * 1024 * 1024),
  WS_KEEPALIVE_INTERVAL: duration.prefault('25s'),
  STREAM_BUFFER_EVENTS: positiveInt.max(100_000).default(256),
  EVENTS_RESUME_WINDOW: positiveDuration.prefault('24h'),
  EVENTS_BACKFILL_ROWS_PER_USER_PER_MINUTE: positiveInt.min(1_000).default(30_000),
  MAX_EVENT_STREAMS_PER_USER: positiveInt.default(10),
  HTTP_IDLE_TIMEOUT: duration.prefault('30s'),
  HTTP_HEADERS_TIMEOUT: positiveDuration.prefault('10s'),
  MAX_CONNECTIONS: positiveInt.default(10_000),
  SHUTDOWN_TIMEOUT: duration.prefault('10s'),

  LOGIN_FAILURES_PER_ACCOUNT_ADDRESS: positiveInt.default(5),
  LOGIN_FAILURES_PER_ACCOUNT: positiveInt.default(100),
  LOGIN_FAILURES_PER_ADDRESS: positiveInt.default(20),
  LOGIN_FAILURE_WINDOW: duration.prefault('15m'),
  SIGNUPS_PER_ADDRESS_PER_HOUR: positiveInt.default(10),
  SENDS_PER_USER_BURST: positiveInt.default(30),
  SENDS_PER_USER_PER_MINUTE: positiveInt.default(600),
  GROUP_CHANGES_PER_USER_PER_MINUTE: positiveInt.default(30),
  GROUP_CHANGES_PER_CONVERSATION_PER_MINUTE: positiveInt.default(60),

  // Files (issue 21): local disk by default, any S3-compatible store when FILE_STORAGE=s3.
  FILE_STORAGE: z.enum(['local', 's3']).default('local'),
  FILES_DIR: z.string().min(1).default('.data/files'),
  S3_ENDPOINT: url(['http:', 'https:']).optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_BUCKET: z.string().min(1).optional(),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: flag.default(false),
  MAX_UPLOAD_BYTES: positiveInt.max(2 ** 31 - 1).default(25 * 1024 * 1024),
  UPLOAD_QUOTA_BYTES: positiveInt.default(2 * 1024 ** 3),
  UPLOADS_PER_USER_PER_MINUTE: positiveInt.default(30),
  FILES_SWEEP_INTERVAL: positiveDuration.prefault('30s'),
  SEARCHES_PER_USER_PER_MINUTE: positiveInt.default(60),
  SEARCH_TIMEOUT: positiveDuration.prefault('2s'),
  // Accounts: mail, password resets, passkeys.
  /** smtp(s)://user:pass@host:port; unset: mail is written to the log instead of sent. */
  SMTP_URL: url(['smtp:', 'smtps:']).optional(),
  MAIL_FROM: z.string().min(3).max(320).default('Chat <chat@localhost>'),
  /** Where people reach the web client: links in mail, the passkeys' relying party. Unset: the server's own origin. */
  PUBLIC_URL: url(['http:', 'https:']).optional(),
  PASSWORD_RESETS_PER_ADDRESS_PER_HOUR: positiveInt.default(20),
  PASSWORD_RESETS_PER_ACCOUNT_PER_HOUR: positiveInt.default(5),
  // Web Push: without the keys a pair is made at first start and kept in the database.
  VAPID_PUBLIC_KEY: z.string().regex(/^[\w-]{80,100}$/, 'a base64url P-256 public key').optional(),
  VAPID_PRIVATE_KEY: z.string().regex(/^[\w-]{40,50}$/, 'a base64url P-256 private key').optional(),
  VAPID_SUBJECT: z
    .string()
    .regex(/^(mailto:\S+@\S+|https:\/\/\S+)$/, 'a mailto: or https: URL of whoever runs this server')
    .default('mailto:webpush@localhost'),
  /** Replaces the browser vendors' push services as the hosts pushes may go to. */
  PUSH_ENDPOINT_ALLOW: commaList.optional(),
  PUSH_RETRY_LIMIT: z.coerce.number().int().min(0).max(20).default(5),
  PUSH_RETRY_DELAY: positiveDuration.prefault('30s'),
  PUSH_CONCURRENCY: positiveInt.max(1_000).default(50),
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
  const parsed = envSchema
    .refine((env) => (env.VAPID_PUBLIC_KEY === undefined) === (env.VAPID_PRIVATE_KEY === undefined), {
      path: ['VAPID_PRIVATE_KEY'],
      message: 'set both VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY, or neither',
    })
    .safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  }
  const env = parsed.data;
  if (env.FILE_STORAGE === 's3' && !env.S3_BUCKET)
    throw new ConfigError('Invalid configuration:\n  S3_BUCKET: required when FILE_STORAGE=s3');
  const developing = env.NODE_ENV !== 'production';
  return {
    ...env,
    GRAPHIQL: env.GRAPHIQL ?? developing,
    INTROSPECTION: env.INTROSPECTION ?? developing,
  };
}
