import type { Logger } from 'pino';
import type { Database } from './db/client.ts';
import type { EventBus } from './pubsub.ts';
import type { AccountService, Viewer } from './services/accounts.ts';
import type { BlockService } from './services/blocks.ts';
import type { ChatEvents } from './services/chat-events.ts';
import type { ConversationService } from './services/conversations.ts';
import type { MessageStreams } from './services/message-stream.ts';
import type { MessageService } from './services/messages.ts';
import type { PresenceService } from './services/presence.ts';
import type { TypingService } from './services/typing.ts';
import type { UserDirectory } from './services/users.ts';
import { unauthenticated } from './services/errors.ts';

/** The services every transport shares: one send path, one auth path. */
export interface Services {
  db: Database;
  accounts: AccountService;
  conversations: ConversationService;
  messages: MessageService;
  streams: MessageStreams;
  events: ChatEvents;
  blocks: BlockService;
  typing: TypingService;
  presence: PresenceService;
  users: UserDirectory;
  bus: EventBus;
  log: Logger;
}

/** How a transport hands a new session to the client, if it can (HTTP sets a cookie; a socket cannot). */
export interface SessionCarrier {
  issue(token: string): void;
  clear(): void;
}

/** One context type for every transport (HTTP, graphql-ws, compat). */
export interface Context {
  services: Services;
  viewer: Viewer | null;
  /** The client's address, as seen directly or through a trusted proxy. */
  address: string;
  session: SessionCarrier;
  /** Aborted when the connection that asked goes away: it ends the operation's streams. */
  signal: AbortSignal;
}

export function requireViewer(context: Pick<Context, 'viewer'>): Viewer {
  if (!context.viewer) throw unauthenticated();
  return context.viewer;
}

export const noSessionCarrier: SessionCarrier = { issue: () => {}, clear: () => {} };
