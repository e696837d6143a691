import type { MessageView } from './messages.ts';
import type { UserRef } from './people.ts';

/**
 * What crosses between instances. Wire events are small JSON-safe records
 * (dates as ISO strings), versioned by shape rather than reshaped: new fields
 * are added, none renamed, so instances of two releases can run side by side.
 */
type WireUser = UserRef;

/** A message as it crosses the bus: dates as ISO strings. */
export interface WireMessage
  extends Omit<MessageView, 'streamAt' | 'createdAt' | 'editedAt' | 'deletedAt' | 'replyTo'> {
  streamAt: string;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  replyTo?: WireMessage | null;
}

/** A new message, or a SYSTEM line. */
export interface MessageWireEvent extends WireMessage {
  type: 'message';
}

/** A message changed (an edit, a deletion, a reaction): its whole new state. */
export interface MessageUpdatedWireEvent extends WireMessage {
  type: 'message-updated';
}

/** A member's read position moved forward. */
export interface ReadWireEvent {
  type: 'read';
  conversationId: number;
  user: WireUser;
  lastReadMessageId: string;
}

export type MembershipChange = 'ADDED' | 'REMOVED' | 'LEFT';

export interface MembershipWireEvent {
  type: 'membership';
  conversationId: number;
  user: WireUser;
  change: MembershipChange;
  by: WireUser | null;
  /** The log position (stream seq) of the line that recorded the change: a removed member's streams carry nothing after it. */
  seq: number;
}

/** A conversation was created or renamed. */
export interface ConversationWireEvent {
  type: 'conversation';
  conversationId: number;
}

/** Someone started or stopped typing in a conversation. Never stored. */
export interface TypingWireEvent {
  type: 'typing';
  conversationId: number;
  user: WireUser;
  typing: boolean;
}

/** Someone came online or went offline. */
export interface PresenceWireEvent {
  type: 'presence';
  user: WireUser;
  online: boolean;
  /** When they were last online, to the minute; null while online. */
  lastSeenAt: string | null;
}

/**
 * Something between the recipient and `user` changed that their screens show: a block either
 * way, or whether either shares presence. Clients read the person again.
 */
export interface RelationshipWireEvent {
  type: 'relationship';
  user: WireUser;
}

/**
 * Someone the recipient shares a conversation with (or the recipient, in another tab) changed
 * their display name or avatar. Clients read `user { displayName avatarUrl }` again.
 */
export interface ProfileWireEvent {
  type: 'profile';
  user: WireUser;
}

/** Everything that happens to one user, on that user's topic. */
export type UserWireEvent =
  | MessageWireEvent
  | MessageUpdatedWireEvent
  | ReadWireEvent
  | MembershipWireEvent
  | ConversationWireEvent
  | TypingWireEvent
  | PresenceWireEvent
  | RelationshipWireEvent
  | ProfileWireEvent;

export interface SessionsRevokedWireEvent {
  sessionIds: string[];
}

/** Instance-wide topics; what happens to users travels with `EventBus.publishToUsers`. */
export interface BusTopics {
  'sessions:revoked': SessionsRevokedWireEvent;
}

const iso = (date: Date | null) => date?.toISOString() ?? null;
const date = (text: string | null) => (text === null ? null : new Date(text));

export const wireMessage = ({ replyTo, ...message }: MessageView): WireMessage => ({
  ...message,
  streamAt: message.streamAt.toISOString(),
  createdAt: message.createdAt.toISOString(),
  editedAt: iso(message.editedAt),
  deletedAt: iso(message.deletedAt),
  ...(replyTo !== undefined && { replyTo: replyTo && wireMessage(replyTo) }),
});

export const messageFromWire = ({ type, replyTo, ...event }: WireMessage & { type?: string }): MessageView => ({
  ...event,
  streamAt: new Date(event.streamAt),
  createdAt: new Date(event.createdAt),
  editedAt: date(event.editedAt),
  deletedAt: date(event.deletedAt),
  ...(replyTo !== undefined && { replyTo: replyTo && messageFromWire(replyTo) }),
});
