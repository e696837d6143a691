import type { MessageView } from './services/messages.ts';

/**
 * What crosses between instances. Wire events are small JSON-safe records
 * (dates as ISO strings), versioned by shape rather than reshaped: new fields
 * are added, none renamed, so instances of two releases can run side by side.
 */
interface WireUser {
  id: number;
  username: string;
}

export interface MessageWireEvent {
  type: 'message';
  id: string;
  conversationId: number;
  seq: number;
  kind: 'TEXT' | 'SYSTEM';
  body: string;
  clientId: string | null;
  createdAt: string;
  sender: WireUser;
  /** The other person of a direct conversation; null in a group. */
  receiver: WireUser | null;
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
  /** The seq of the timeline line that recorded the change: a removed member's streams carry nothing after it. */
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

/** Everything that happens to one user, on that user's topic. */
export type UserWireEvent =
  | MessageWireEvent
  | ReadWireEvent
  | MembershipWireEvent
  | ConversationWireEvent
  | TypingWireEvent
  | PresenceWireEvent;

export interface SessionsRevokedWireEvent {
  sessionIds: string[];
}

/** Instance-wide topics; what happens to users travels with `EventBus.publishToUsers`. */
export interface BusTopics {
  'sessions:revoked': SessionsRevokedWireEvent;
}

export const messageToWire = (message: MessageView): MessageWireEvent => ({
  type: 'message',
  ...message,
  createdAt: message.createdAt.toISOString(),
});

export const messageFromWire = (event: MessageWireEvent): MessageView => ({
  id: event.id,
  conversationId: event.conversationId,
  seq: event.seq,
  kind: event.kind,
  body: event.body,
  clientId: event.clientId,
  createdAt: new Date(event.createdAt),
  sender: event.sender,
  receiver: event.receiver,
});
