/**
 * Ids as clients send them: a conversation's is an int4, a message's an int8.
 * Anything else names nothing, and the caller answers as it would for an id
 * that does not exist.
 */
export const conversationIdOf = (text: string): number | null => (/^\d{1,9}$/.test(text) ? Number(text) : null);

export const messageIdOf = (text: string): bigint | null => (/^\d{1,18}$/.test(text) ? BigInt(text) : null);
