import type { Logger } from 'pino';
import { queryLimits } from '../graphql/limits.ts';
import type { Background } from '../lib/background.ts';
import { AccountService } from '../modules/accounts/accounts.ts';
import { AccountDeletion } from '../modules/accounts/deletion.ts';
import { AccountExport } from '../modules/accounts/export.ts';
import { PasskeyService } from '../modules/accounts/passkeys.ts';
import { PasswordResets } from '../modules/accounts/password-resets.ts';
import { SessionService } from '../modules/accounts/sessions.ts';
import { BlockService } from '../modules/blocks/blocks.ts';
import { ConversationAccess } from '../modules/conversations/access.ts';
import { FileService } from '../modules/files/files.ts';
import type { FileStorage } from '../modules/files/storage.ts';
import { ChatList } from '../modules/conversations/chat-list.ts';
import { GroupService } from '../modules/conversations/groups.ts';
import { ReadPositions } from '../modules/conversations/read-positions.ts';
import { ChatEvents } from '../modules/events/chat-events.ts';
import { MessageStreams } from '../modules/events/message-streams.ts';
import { MemoryStreamLeases, RedisStreamLeases } from '../modules/events/stream-leases.ts';
import { RateLimits } from '../modules/limits/rate-limits.ts';
import { logTransport, Mailer, smtpTransport } from '../modules/mail/mailer.ts';
import { MessageChanges } from '../modules/messages/changes.ts';
import { MessageDetails } from '../modules/messages/details.ts';
import { MessageHistory } from '../modules/messages/history.ts';
import { MessageService } from '../modules/messages/messages.ts';
import { ProfileService } from '../modules/people/profile.ts';
import { UserDirectory } from '../modules/people/user-directory.ts';
import { MemoryPresenceStore, RedisPresenceStore } from '../modules/presence/presence-store.ts';
import { PresenceService } from '../modules/presence/presence.ts';
import { MessageSearch } from '../modules/search/search.ts';
import { DEFAULT_PUSH_HOSTS, PushEndpointPolicy } from '../modules/push/push-endpoints.ts';
import { PushService } from '../modules/push/push.ts';
import type { Services } from '../modules/services.ts';
import { defaultTypingTimings, TypingService } from '../modules/typing/typing.ts';
import type { Config } from './config.ts';
import type { Infrastructure } from './infrastructure.ts';

/** A search's page when `first` is not given, and the largest. */
const SEARCH_PAGE_SIZE = 20;
const SEARCH_MAX_PAGE_SIZE = 50;

/**
 * The composition root of the modules: every service built once, with its
 * settings from the configuration. Nothing here starts: see `app.ts`.
 */
export function createServices(
  infrastructure: Infrastructure,
  config: Config,
  log: Logger,
  background: Background,
  clock: () => number,
  storage: FileStorage,
  /** Where people reach the web client (PUBLIC_URL, else known once the server listens). */
  publicUrl: () => string,
): Services {
  const { db, pool, bus, redis } = infrastructure;
  const rateLimits = new RateLimits(config, redis && { client: redis, keyPrefix: config.REDIS_KEY_PREFIX });
  const users = new UserDirectory(db, pool);
  const blocks = new BlockService(db, pool, users, bus);
  const access = new ConversationAccess(db, pool, users);
  const chatList = new ChatList(pool, users, blocks);
  const details = new MessageDetails(pool, users);
  const files = new FileService(
    pool,
    storage,
    access,
    rateLimits,
    background,
    { maxUploadBytes: config.MAX_UPLOAD_BYTES, quotaBytes: config.UPLOAD_QUOTA_BYTES },
    clock,
  );
  const history = new MessageHistory(pool, infrastructure.replicaPool, users, {
    maxPageSize: queryLimits.maxPageSize,
    maxHistory: config.HISTORY_MAX_MESSAGES,
    maxHistoryBytes: config.HISTORY_MAX_BYTES,
  });
  const sessions = new SessionService(db, pool, bus, {
    idleTimeoutMs: config.SESSION_IDLE_TIMEOUT,
    maxAgeMs: config.SESSION_MAX_AGE,
    cacheTtlMs: config.SESSION_CACHE_TTL,
  });
  const mailer = new Mailer(
    pool,
    config.SMTP_URL ? smtpTransport(config.SMTP_URL, config.MAIL_FROM) : logTransport(log),
    log.child({ component: 'mail' }),
    background,
    clock,
  );
  const accounts = new AccountService(db, pool, sessions, rateLimits);
  const profiles = new ProfileService(pool, bus, files);
  const groups = new GroupService(pool, bus, users, blocks, rateLimits, { maxGroupMembers: config.MAX_GROUP_MEMBERS });
  const changes = new MessageChanges(
    pool,
    bus,
    users,
    blocks,
    details,
    rateLimits,
    background,
    { maxBodyLength: config.MESSAGE_MAX_LENGTH, editWindowMs: config.MESSAGE_EDIT_WINDOW },
    clock,
  );
  const push = new PushService(
    pool,
    infrastructure.jobs,
    new PushEndpointPolicy(config.PUSH_ENDPOINT_ALLOW ?? DEFAULT_PUSH_HOSTS),
    log,
    {
      keys: config.VAPID_PUBLIC_KEY
        ? { publicKey: config.VAPID_PUBLIC_KEY, privateKey: config.VAPID_PRIVATE_KEY! }
        : null,
      subject: config.VAPID_SUBJECT,
      retryLimit: config.PUSH_RETRY_LIMIT,
      retryDelaySeconds: Math.max(1, Math.round(config.PUSH_RETRY_DELAY / 1_000)),
      concurrency: config.PUSH_CONCURRENCY,
    },
    clock,
  );
  return {
    db,
    bus,
    log,
    rateLimits,
    users,
    sessions,
    accounts,
    mailer,
    passwordResets: new PasswordResets(pool, sessions, mailer, rateLimits, background, { publicUrl, now: clock }),
    accountDeletion: new AccountDeletion(pool, accounts, sessions, access, groups, changes, users, profiles, clock),
    accountExport: new AccountExport(pool, storage),
    passkeys: new PasskeyService(pool, db, sessions, { publicUrl, now: clock }),
    profiles,
    blocks,
    access,
    chatList,
    groups,
    readPositions: new ReadPositions(pool, bus, blocks),
    messages: new MessageService(pool, bus, access, blocks, rateLimits, details, background, config.MESSAGE_MAX_LENGTH, files, push),
    files,
    changes,
    details,
    history,
    streams: new MessageStreams(bus, history, log, config.STREAM_BUFFER_EVENTS),
    events: new ChatEvents(
      pool,
      bus,
      history,
      rateLimits,
      redis
        ? new RedisStreamLeases(redis, config.REDIS_KEY_PREFIX, config.MAX_EVENT_STREAMS_PER_USER, background)
        : new MemoryStreamLeases(config.MAX_EVENT_STREAMS_PER_USER),
      log,
      {
        bufferSize: config.STREAM_BUFFER_EVENTS,
        commitSkewMs: infrastructure.commitSkewMs,
        resumeWindowMs: config.EVENTS_RESUME_WINDOW,
      },
    ),
    typing: new TypingService(bus, chatList, blocks, background, {
      ...defaultTypingTimings,
      lapseMs: config.TYPING_LAPSE,
    }),
    presence: new PresenceService(
      pool,
      bus,
      redis
        ? new RedisPresenceStore(redis, config.REDIS_KEY_PREFIX, config.PRESENCE_HEARTBEAT * 2)
        : new MemoryPresenceStore(),
      users,
      blocks,
      background,
      { offlineGraceMs: config.PRESENCE_OFFLINE_GRACE, heartbeatMs: config.PRESENCE_HEARTBEAT },
    ),
    search: new MessageSearch(infrastructure.replicaPool, users, rateLimits, {
      maxPageSize: SEARCH_MAX_PAGE_SIZE,
      defaultPageSize: SEARCH_PAGE_SIZE,
      timeoutMs: config.SEARCH_TIMEOUT,
    }),
    push,
  };
}
