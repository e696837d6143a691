import type { ConversationKind, Member } from '../graphql/documents/fragments.ts';

/**
 * How far one of my messages got: stored (✓), read by the peer (✓✓), or read by `count` of a
 * group, `readers` being those of them still members.
 */
export type Receipt = { kind: 'sent' } | { kind: 'read' } | { kind: 'readBy'; count: number; readers: string[] };

/** Ids are 64-bit: compared as BigInt, never as strings or floats. */
export const atOrAfter = (position: string | null, messageId: string) =>
  position !== null && BigInt(position) >= BigInt(messageId);

/**
 * The receipt on my stored message, from the other members' read positions (null when either
 * side keeps receipts private: then it stays at ✓), which move live as receipts arrive, and the
 * server's `readByCount`, which also counts those who read it and have left. Nobody unreads, so
 * the larger of the two is never too many.
 */
export function receiptOf(
  message: { id: string; readByCount: number | null },
  conversation: { kind: ConversationKind; members: readonly Member[] },
  meId: string,
): Receipt {
  const readers = conversation.members
    .filter((member) => member.user.id !== meId && atOrAfter(member.lastReadMessageId, message.id))
    .map((member) => member.user.displayName);
  const count = Math.max(readers.length, message.readByCount ?? 0);
  if (count === 0) return { kind: 'sent' };
  return conversation.kind === 'DIRECT' ? { kind: 'read' } : { kind: 'readBy', count, readers };
}
