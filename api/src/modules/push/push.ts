import { LRUCache } from 'lru-cache';
import type pg from 'pg';
import type { Logger } from 'pino';
import webpush, { WebPushError } from 'web-push';
import type { Jobs } from '../../app/jobs.ts';
import type { ConversationRef } from '../../domain/conversations.ts';
import { AppError, badInput } from '../../domain/errors.ts';
import {
  ACTIVITY_WINDOW_MS,
  effectiveLevel,
  previewOf,
  reasonNotToPush,
  type NotificationLevel,
} from '../../domain/notifications.ts';
import type { Viewer } from '../../domain/people.ts';
import type { PushEndpointPolicy } from './push-endpoints.ts';
import {
  deleteSubscription,
  forgetSubscription,
  pushCandidates,
  pushedMessage,
  setLevel,
  setMute,
  setSessionActivity,
  subscriptionById,
  subscriptionsOf,
  upsertSubscription,
  vapidKeys,
  type PushedMessageRow,
  type SubscriptionRow,
} from './push.sql.ts';

/** A push as the service worker reads it (JSON, encrypted to the browser's keys). */
export interface PushPayload {
  conversationId: string;
  messageId: string;
  title: string;
  body: string;
}

/** One push to one subscription: what a retry job carries. */
interface Delivery {
  subscriptionId: string;
  payload: PushPayload;
  urgency: 'high' | 'normal';
}

export interface PushOptions {
  /** From VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY, or null to use (and on first start make) the stored pair. */
  keys: { publicKey: string; privateKey: string } | null;
  subject: string;
  /** Tries after the first for a push answered 429 or 5xx (or not answered). */
  retryLimit: number;
  retryDelaySeconds: number;
  /** Pushes one fan-out has in flight at once. */
  concurrency: number;
}

/** A push is stale after a day: a phone offline longer gets none rather than yesterday's. */
const PUSH_TTL_SECONDS = 86_400;
/** How long a push service may take to answer before the push counts as failed (and is retried). */
const PUSH_TIMEOUT_MS = 10_000;
const FANOUT_QUEUE = 'push-fanout';
const RETRY_QUEUE = 'push-retry';

/**
 * A VAPID signature is valid this long (push services accept at most 24 h) and signed again an
 * hour before it ends: one ES256 signature per push service origin, not one per push.
 */
const VAPID_VALID_SECONDS = 12 * 3_600;
const VAPID_RENEW_BEFORE_SECONDS = 3_600;

const P256_PUBLIC_KEY_BYTES = 65;
const AUTH_SECRET_BYTES = 16;

/** Raised inside a job so that the queue tries again later. */
class RetryLater extends Error {
  override name = 'RetryLater';
}

/**
 * Web Push: browsers' subscriptions, each person's choices per conversation, and the pushes
 * themselves. A committed message is handed to the durable job queue; a job decides who gets a
 * push (the rules in `domain/notifications.ts`) and sends them, so a send never waits for a push
 * service and an instance that stops loses none.
 */
export class PushService {
  private keys: { publicKey: string; privateKey: string } | null;
  /**
   * The `Authorization` header for each push service origin, and when (epoch seconds) it runs
   * out. Bounded: endpoints come from clients, and an allowed `*.` pattern has many hosts.
   */
  private readonly vapidHeaders = new LRUCache<string, { authorization: string; expiresAt: number }>({ max: 256 });

  constructor(
    private readonly pool: pg.Pool,
    private readonly jobs: Jobs,
    private readonly endpoints: PushEndpointPolicy,
    private readonly log: Logger,
    private readonly options: PushOptions,
    private readonly clock: () => number,
  ) {
    this.keys = options.keys;
  }

  /** Reads (or makes) the key pair and starts taking push jobs. */
  async start(): Promise<void> {
    if (!this.keys) {
      const fresh = webpush.generateVAPIDKeys();
      const [stored] = await vapidKeys(this.pool, fresh.publicKey, fresh.privateKey);
      this.keys = stored!;
    }
    const retries = {
      retryLimit: this.options.retryLimit,
      retryDelaySeconds: this.options.retryDelaySeconds,
      retryDelayMaxSeconds: 3_600,
    };
    await this.jobs.work<{ messageId: string }>(FANOUT_QUEUE, { ...retries, concurrency: 2 }, ({ messageId }) =>
      this.fanOut(messageId),
    );
    await this.jobs.work<Delivery>(RETRY_QUEUE, { ...retries, concurrency: 2 }, async (delivery) => {
      const [subscription] = await subscriptionById(this.pool, delivery.subscriptionId);
      if (subscription && !(await this.deliver(subscription, delivery)))
        throw new RetryLater('the push service asked to retry');
    });
  }

  get publicKey(): string {
    if (!this.keys) throw new AppError('UNAVAILABLE', 'Push is not ready yet.');
    return this.keys.publicKey;
  }

  async register(viewer: Viewer, endpoint: string, p256dh: string, auth: string): Promise<void> {
    if (byteLength(p256dh) !== P256_PUBLIC_KEY_BYTES || !Buffer.from(p256dh, 'base64url').subarray(0, 1).equals(Buffer.from([4])))
      throw badInput('p256dh', 'Give the subscription’s p256dh key: an uncompressed P-256 point, base64url.');
    if (byteLength(auth) !== AUTH_SECRET_BYTES)
      throw badInput('auth', 'Give the subscription’s auth secret: 16 bytes, base64url.');
    await this.endpoints.check(endpoint);
    await upsertSubscription(this.pool, viewer.id, viewer.sessionId, endpoint, p256dh, auth);
  }

  /** True when the viewer had that subscription. */
  async unregister(viewer: Viewer, endpoint: string): Promise<boolean> {
    return (await deleteSubscription(this.pool, viewer.id, endpoint)).length > 0;
  }

  /** A tab of this session is shown and focused (or stopped being): while it is, pushes stay away. */
  async reportActivity(viewer: Viewer, active: boolean): Promise<void> {
    await setSessionActivity(this.pool, viewer.sessionId, active ? new Date(this.clock()) : null);
  }

  async setLevel(conversation: ConversationRef, level: NotificationLevel): Promise<void> {
    await setLevel(this.pool, conversation.id, conversation.viewer.id, level);
  }

  /** Mutes until `until`, or until unmuted when it is null. */
  async mute(conversation: ConversationRef, until: Date | null): Promise<void> {
    if (until && until.getTime() <= this.clock()) throw badInput('until', 'Give a time in the future.');
    await setMute(this.pool, conversation.id, conversation.viewer.id, until, until === null);
  }

  async unmute(conversation: ConversationRef): Promise<void> {
    await setMute(this.pool, conversation.id, conversation.viewer.id, null, false);
  }

  /** The server's time, for whoever asks whether a mute is over. */
  now(): number {
    return this.clock();
  }

  /** Hands a committed message to the queue. Call it after the commit; it does not wait for any push. */
  async messageSent(messageId: string): Promise<void> {
    await this.jobs.send(FANOUT_QUEUE, { messageId });
  }

  /** Who gets a push for the message, and the pushes: the fan-out job. */
  private async fanOut(messageId: string): Promise<void> {
    const [message] = await pushedMessage(this.pool, messageId);
    if (!message) return;
    const now = this.clock();
    const direct = message.kind === 'DIRECT';
    const candidates = await pushCandidates(
      this.pool,
      message.conversationId,
      message.senderId,
      messageId,
      new Date(now - ACTIVITY_WINDOW_MS),
    );
    const recipients = candidates.filter((row) => {
      const quietHours =
        row.quietStart && row.quietEnd && row.quietTimeZone
          ? {
              start: row.quietStart,
              end: row.quietEnd,
              timeZone: row.quietTimeZone,
              allowDirect: row.quietAllowDirect,
              allowMentions: row.quietAllowMentions,
            }
          : null;
      const level = effectiveLevel(row.level, message);
      const reason = reasonNotToPush({ ...row, level, quietHours }, direct, now);
      if (reason) this.log.debug({ messageId, userId: row.userId, reason }, 'no push');
      return reason === null;
    });
    if (recipients.length === 0) return;
    const byUser = new Map(recipients.map((row) => [row.userId, row]));
    const subscriptions = await subscriptionsOf(this.pool, [...byUser.keys()]);
    const queue = [...subscriptions];
    const worker = async () => {
      for (let subscription = queue.shift(); subscription; subscription = queue.shift()) {
        const recipient = byUser.get(subscription.userId)!;
        const delivery: Delivery = {
          subscriptionId: subscription.id,
          payload: payloadOf(messageId, message, recipient.pushPreviews),
          urgency: direct || recipient.mentioned ? 'high' : 'normal',
        };
        if (!(await this.deliver(subscription, delivery)))
          await this.jobs.send(RETRY_QUEUE, delivery, { delaySeconds: this.options.retryDelaySeconds });
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, queue.length) }, worker));
  }

  /** web-push's own VAPID header for the endpoint's push service, signed once per origin while it is valid. */
  private vapidAuthorization(endpoint: string): string {
    const audience = new URL(endpoint).origin;
    // The real time, not the clock of the app's rules: the push service checks `exp` against its own.
    const now = Math.floor(Date.now() / 1000);
    let signed = this.vapidHeaders.get(audience);
    if (!signed || signed.expiresAt - now < VAPID_RENEW_BEFORE_SECONDS) {
      const expiresAt = now + VAPID_VALID_SECONDS;
      const { publicKey, privateKey } = this.keys!;
      const headers = webpush.getVapidHeaders(audience, this.options.subject, publicKey, privateKey, 'aes128gcm', expiresAt);
      signed = { authorization: headers.Authorization, expiresAt };
      this.vapidHeaders.set(audience, signed);
    }
    return signed.authorization;
  }

  /**
   * Sends one push. True when it is done with (delivered, or the subscription is gone and
   * forgotten, or refused for good); false when the push service asked to try again later.
   */
  private async deliver(subscription: SubscriptionRow, delivery: Delivery): Promise<boolean> {
    try {
      this.endpoints.allowedUrl(subscription.endpoint);
    } catch {
      await forgetSubscription(this.pool, subscription.id);
      return true;
    }
    try {
      await webpush.sendNotification(
        { endpoint: subscription.endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } },
        JSON.stringify(delivery.payload),
        {
          headers: { Authorization: this.vapidAuthorization(subscription.endpoint) },
          TTL: PUSH_TTL_SECONDS,
          // One per conversation: a push service holding several for an offline device keeps the newest.
          topic: `c${delivery.payload.conversationId}`,
          urgency: delivery.urgency,
          contentEncoding: 'aes128gcm',
          agent: this.endpoints.agent,
          timeout: PUSH_TIMEOUT_MS,
        },
      );
      return true;
    } catch (error) {
      const status = error instanceof WebPushError ? error.statusCode : null;
      if (status === 404 || status === 410) {
        await forgetSubscription(this.pool, subscription.id);
        return true;
      }
      if (status !== null && status !== 429 && status < 500) {
        this.log.warn({ status, subscriptionId: subscription.id }, 'push refused; not retried');
        return true;
      }
      this.log.debug({ err: error, subscriptionId: subscription.id }, 'push failed; retrying later');
      return false;
    }
  }
}

const byteLength = (base64url: string) =>
  /^[\w-]+={0,2}$/.test(base64url) ? Buffer.from(base64url, 'base64url').length : -1;

function payloadOf(messageId: string, message: PushedMessageRow, previews: boolean): PushPayload {
  return {
    conversationId: String(message.conversationId),
    messageId,
    title: message.kind === 'GROUP' ? `${message.senderName} in ${message.title ?? ''}` : message.senderName,
    body: previews ? previewOf(message.body) : 'New message',
  };
}
