import type { UserRef } from './people.ts';

export type ConversationKind = 'DIRECT' | 'GROUP';
export type MemberRole = 'OWNER' | 'MEMBER';

declare const reached: unique symbol;

/**
 * A conversation as one of its members reaches it: what reads and writes need.
 * Only the conversations module's `ConversationAccess` makes one, after checking
 * that the viewer is a member (or, for a send into a group, leaving that check
 * to the write, which makes it under the conversation's lock). Every service
 * that reads or changes a conversation takes one, so a caller that skipped the
 * check does not compile.
 */
export interface ConversationRef extends Readonly<ConversationFields> {
  readonly [reached]: true;
}

/** What a `ConversationRef` says, before an access check vouches for it. */
export interface ConversationFields {
  id: number;
  kind: ConversationKind;
  viewer: UserRef;
  /** The other person of a direct conversation; null in a group. */
  peer: UserRef | null;
}

export interface DirectConversation extends ConversationRef {
  readonly kind: 'DIRECT';
  readonly peer: UserRef;
}
