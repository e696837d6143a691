import { statement } from '../../db/sql.ts';
import type { ConversationKind } from '../../domain/conversations.ts';
import type { NotificationLevel } from '../../domain/notifications.ts';

/** Most subscriptions one person keeps: registering another drops their oldest. */
export const MAX_SUBSCRIPTIONS_PER_USER = 10;

/**
 * Registers a browser's subscription for the session (the endpoint names one browser profile: a
 * new registration of it moves it to whoever registers now), then drops the person's oldest past
 * the limit. One statement, so two registrations at once cannot both keep eleven.
 */
export const upsertSubscription = statement<
  [userId: number, sessionId: string, endpoint: string, p256dh: string, auth: string],
  never
>(
  'push.upsert-subscription',
  `WITH saved AS (
     INSERT INTO push_subscriptions (user_id, session_id, endpoint, p256dh, auth)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (endpoint) DO UPDATE
       SET user_id = EXCLUDED.user_id, session_id = EXCLUDED.session_id, p256dh = EXCLUDED.p256dh,
           auth = EXCLUDED.auth, created_at = now()
     RETURNING id
   )
   DELETE FROM push_subscriptions
   WHERE user_id = $1 AND id NOT IN (SELECT id FROM saved) AND id IN (
     SELECT id FROM push_subscriptions WHERE user_id = $1
     ORDER BY created_at DESC, id DESC OFFSET ${MAX_SUBSCRIPTIONS_PER_USER - 1}
   )`,
);

export const deleteSubscription = statement<[userId: number, endpoint: string], { id: string }>(
  'push.delete-subscription',
  'DELETE FROM push_subscriptions WHERE user_id = $1 AND endpoint = $2 RETURNING id::text',
);

/** A subscription the push service said is gone (404, 410). */
export const forgetSubscription = statement<[id: string], never>(
  'push.forget-subscription',
  'DELETE FROM push_subscriptions WHERE id = $1::bigint',
);

export const setSessionActivity = statement<[sessionId: string, activeAt: Date | null], never>(
  'push.session-activity',
  'UPDATE sessions SET active_at = $2 WHERE id = $1',
);

export interface PushedMessageRow {
  conversationId: number;
  kind: ConversationKind;
  title: string | null;
  senderId: number;
  senderName: string;
  body: string;
  memberCount: number;
}

/** A text message not deleted, with what its push says; none for anything else. */
export const pushedMessage = statement<[messageId: string], PushedMessageRow>(
  'push.message',
  `SELECT m.conversation_id AS "conversationId", c.kind, c.title, m.sender_id AS "senderId",
          u.username AS "senderName", m.body,
          (SELECT count(*)::int FROM conversation_members WHERE conversation_id = m.conversation_id) AS "memberCount"
   FROM messages m JOIN conversations c ON c.id = m.conversation_id JOIN users u ON u.id = m.sender_id
   WHERE m.id = $1::bigint AND m.kind = 'TEXT' AND m.deleted_at IS NULL`,
);

export interface RecipientRow {
  userId: number;
  level: NotificationLevel | null;
  mutedUntil: Date | null;
  mutedForever: boolean;
  pushPreviews: boolean;
  quietStart: string | null;
  quietEnd: string | null;
  quietTimeZone: string | null;
  quietAllowDirect: boolean;
  quietAllowMentions: boolean;
  mentioned: boolean;
  active: boolean;
}

/**
 * The members who could get a push for a message: not its sender, with a subscription, not
 * blocking the sender. Their settings come along for the rules (`reasonNotToPush`). $4 is the
 * start of the activity window.
 */
export const pushCandidates = statement<
  [conversationId: number, senderId: number, messageId: string, activeSince: Date],
  RecipientRow
>(
  'push.candidates',
  `SELECT m.user_id AS "userId", m.notification_level AS level, m.muted_until AS "mutedUntil",
          m.muted_forever AS "mutedForever", u.push_previews AS "pushPreviews",
          u.quiet_start AS "quietStart", u.quiet_end AS "quietEnd", u.quiet_time_zone AS "quietTimeZone",
          u.quiet_allow_direct AS "quietAllowDirect", u.quiet_allow_mentions AS "quietAllowMentions",
          EXISTS (SELECT 1 FROM message_mentions x WHERE x.message_id = $3::bigint AND x.user_id = m.user_id) AS mentioned,
          EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = m.user_id AND s.active_at > $4) AS active
   FROM conversation_members m JOIN users u ON u.id = m.user_id
   WHERE m.conversation_id = $1 AND m.user_id <> $2
     AND EXISTS (SELECT 1 FROM push_subscriptions p WHERE p.user_id = m.user_id)
     AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = m.user_id AND b.blocked_id = $2)`,
);

export interface SubscriptionRow {
  id: string;
  userId: number;
  endpoint: string;
  p256dh: string;
  auth: string;
}

export const subscriptionsOf = statement<[userIds: number[]], SubscriptionRow>(
  'push.subscriptions-of',
  `SELECT id::text, user_id AS "userId", endpoint, p256dh, auth FROM push_subscriptions
   WHERE user_id = ANY($1::int[])`,
);

export const subscriptionById = statement<[id: string], SubscriptionRow>(
  'push.subscription',
  `SELECT id::text, user_id AS "userId", endpoint, p256dh, auth FROM push_subscriptions WHERE id = $1::bigint`,
);

/** The stored key pair, created by the first instance that asks (the others read that one). */
export const vapidKeys = statement<[publicKey: string, privateKey: string], { publicKey: string; privateKey: string }>(
  'push.vapid-keys',
  `WITH created AS (
     INSERT INTO vapid_keys (id, public_key, private_key) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING
     RETURNING public_key, private_key
   )
   SELECT public_key AS "publicKey", private_key AS "privateKey" FROM created
   UNION ALL
   SELECT public_key, private_key FROM vapid_keys WHERE NOT EXISTS (SELECT 1 FROM created)`,
);

export interface MemberSettingsRow {
  level: NotificationLevel | null;
  mutedUntil: Date | null;
  mutedForever: boolean;
}

export const setLevel = statement<[conversationId: number, userId: number, level: NotificationLevel], never>(
  'push.set-level',
  'UPDATE conversation_members SET notification_level = $3 WHERE conversation_id = $1 AND user_id = $2',
);

export const setMute = statement<
  [conversationId: number, userId: number, mutedUntil: Date | null, mutedForever: boolean],
  never
>(
  'push.set-mute',
  `UPDATE conversation_members SET muted_until = $3, muted_forever = $4
   WHERE conversation_id = $1 AND user_id = $2`,
);
