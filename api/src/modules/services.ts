import type { Logger } from 'pino';
import type { Database } from '../db/client.ts';
import type { EventBus } from '../realtime/bus.ts';
import type { AccountService } from './accounts/accounts.ts';
import type { AccountDeletion } from './accounts/deletion.ts';
import type { AccountExport } from './accounts/export.ts';
import type { PasskeyService } from './accounts/passkeys.ts';
import type { PasswordResets } from './accounts/password-resets.ts';
import type { SessionService } from './accounts/sessions.ts';
import type { BlockService } from './blocks/blocks.ts';
import type { ConversationAccess } from './conversations/access.ts';
import type { ChatList } from './conversations/chat-list.ts';
import type { GroupService } from './conversations/groups.ts';
import type { ReadPositions } from './conversations/read-positions.ts';
import type { ChatEvents } from './events/chat-events.ts';
import type { FileService } from './files/files.ts';
import type { MessageStreams } from './events/message-streams.ts';
import type { RateLimits } from './limits/rate-limits.ts';
import type { Mailer } from './mail/mailer.ts';
import type { MessageChanges } from './messages/changes.ts';
import type { MessageDetails } from './messages/details.ts';
import type { MessageHistory } from './messages/history.ts';
import type { MessageService } from './messages/messages.ts';
import type { ProfileService } from './people/profile.ts';
import type { UserDirectory } from './people/user-directory.ts';
import type { PresenceService } from './presence/presence.ts';
import type { MessageSearch } from './search/search.ts';
import type { PushService } from './push/push.ts';
import type { TypingService } from './typing/typing.ts';

/**
 * The services every transport shares (GraphQL over HTTP and WebSocket, the
 * compat pages and sockets): one send path, one auth path, one access check.
 * `app/services.ts` builds them.
 */
export interface Services {
  db: Database;
  bus: EventBus;
  log: Logger;
  rateLimits: RateLimits;
  users: UserDirectory;
  sessions: SessionService;
  accounts: AccountService;
  mailer: Mailer;
  passwordResets: PasswordResets;
  accountDeletion: AccountDeletion;
  accountExport: AccountExport;
  passkeys: PasskeyService;
  profiles: ProfileService;
  blocks: BlockService;
  access: ConversationAccess;
  chatList: ChatList;
  groups: GroupService;
  readPositions: ReadPositions;
  messages: MessageService;
  files: FileService;
  changes: MessageChanges;
  details: MessageDetails;
  history: MessageHistory;
  streams: MessageStreams;
  events: ChatEvents;
  typing: TypingService;
  presence: PresenceService;
  search: MessageSearch;
  push: PushService;
}
