import type { MessageView } from './services/messages.ts';

/**
 * What crosses between instances. Wire events are small JSON-safe records
 * (dates as ISO strings), versioned by shape rather than reshaped: new fields
 * are added, none renamed, so instances of two releases can run side by side.
 */
export interface MessageWireEvent {
  id: string;
  conversationId: number;
  seq: number;
  body: string;
  clientId: string | null;
  createdAt: string;
  sender: { id: number; username: string };
  receiver: { id: number; username: string };
}

export interface SessionsRevokedWireEvent {
  sessionIds: string[];
}

/** The topic map: one topic per user carries every message to or from that user. */
export interface Topics {
  [userTopic: `user:${number}`]: MessageWireEvent;
  'sessions:revoked': SessionsRevokedWireEvent;
}

export const userTopic = (userId: number) => `user:${userId}` as const;

export const messageToWire = (message: MessageView): MessageWireEvent => ({
  ...message,
  createdAt: message.createdAt.toISOString(),
});

export const messageFromWire = (event: MessageWireEvent): MessageView => ({
  ...event,
  createdAt: new Date(event.createdAt),
});
