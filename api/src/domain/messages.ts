import type { UserRef } from './people.ts';

export type MessageKind = 'TEXT' | 'SYSTEM';

/** The reactions of one emoji to a message: who, in the order they reacted. */
export interface ReactionView {
  emoji: string;
  userIds: number[];
}

/** A file attached to a message, ready: its type sniffed from its bytes, an image's size after orientation. */
export interface AttachmentView {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  width: number | null;
  height: number | null;
  /** Whether it has a WebP thumbnail and preview (images only). */
  thumbnails: boolean;
}

/** A stored message as every reader sees it: its latest state. */
export interface MessageView {
  id: string;
  conversationId: number;
  /** Position in its conversation: 1, 2, 3… with no holes; seq order is commit order. */
  seq: number;
  /** Position of this state in the conversation's log of messages and their changes (see `streamAt`). */
  streamSeq: number;
  /** When this state was written, under the conversation's lock: never earlier than the previous entry's. */
  streamAt: Date;
  /** 1 when written, one more at each change (an edit, a deletion, a reaction). */
  version: number;
  kind: MessageKind;
  /** "" once deleted. */
  body: string;
  clientId: string | null;
  createdAt: Date;
  editedAt: Date | null;
  deletedAt: Date | null;
  replyToId: string | null;
  mentionsEveryone: boolean;
  sender: UserRef;
  /** The other person of a direct conversation; null in a group. */
  receiver: UserRef | null;
  /**
   * What a write or a change already knows, carried with the message so that a delivery needs no
   * query; absent when the message was read from a page (readers load them then).
   */
  mentionIds?: number[];
  /** One entry per emoji, in order of first use. */
  reactions?: ReactionView[];
  /** Its files, in the order they were attached; none once deleted. */
  attachments?: AttachmentView[];
  /** The message this one answers, as it was when this state was written. */
  replyTo?: MessageView | null;
}
