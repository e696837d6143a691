import type { ConversationKind, Member } from '../graphql/documents.ts';

/** How far one of my messages got: stored (✓), read by the peer (✓✓), or read by some of a group. */
export type Receipt = { kind: 'sent' } | { kind: 'read' } | { kind: 'readBy'; readers: string[] };

/** Ids are 64-bit: compared as BigInt, never as strings or floats. */
export const atOrAfter = (position: string | null, messageId: string) =>
  position !== null && BigInt(position) >= BigInt(messageId);

/**
 * The receipt on my stored message `messageId`, from the other members' read positions
 * (null when either side keeps receipts private: then it stays at ✓).
 */
export function receiptOf(
  messageId: string,
  conversation: { kind: ConversationKind; members: readonly Member[] },
  meId: string,
): Receipt {
  const readers = conversation.members
    .filter((member) => member.user.id !== meId && atOrAfter(member.lastReadMessageId, messageId))
    .map((member) => member.user.username);
  if (readers.length === 0) return { kind: 'sent' };
  return conversation.kind === 'DIRECT' ? { kind: 'read' } : { kind: 'readBy', readers };
}
