import type { Message, Quote } from '../graphql/documents/fragments.ts';

/** What every queued operation has. `clientId` names the entry (and is a send's clientId for the server). */
interface Queued {
  clientId: string;
  /** Where it goes; null with `to` for the first message to a person, until that conversation has an id. */
  conversationId: string | null;
  to: string | null;
  createdAt: string;
  /** 'waiting': sent (again) by the outbox on its own; 'failed': refused, waits for Retry or Delete. */
  state: 'waiting' | 'failed';
  /** Why the last try did not go through, in words. */
  error?: string;
}

/** One of our messages not stored yet. */
export interface SendEntry extends Queued {
  op: 'send';
  body: string;
  /** The message it answers. */
  replyTo: Quote | null;
  /** Finished uploads it carries (their ids). */
  attachments?: string[];
}

export type Change =
  { op: 'edit'; body: string } | { op: 'delete' } | { op: 'react' | 'unreact'; emoji: string };

/**
 * A change to a message: a stored one (`messageId`), or one of our sends that was already on its
 * way when the change was made (`sendId`, its clientId): the change waits for its id.
 */
export type ChangeEntry = Queued & Change & { messageId: string | null; sendId: string | null };

export type OutboxEntry = SendEntry | ChangeEntry;

/** The message a change is made to: stored (id), or ours on its way (id null, clientId). */
export interface ChangeTarget {
  id: string | null;
  clientId: string | null;
  conversationId: string | null;
  to: string | null;
}

export const isSend = (entry: OutboxEntry): entry is SendEntry => entry.op === 'send';

/** Entries written before changes were queued have no `op`: they are sends. */
export const normalized = (entry: OutboxEntry): OutboxEntry =>
  entry.op === undefined ? { ...(entry as Omit<SendEntry, 'op'>), op: 'send', replyTo: null } : entry;

const aimsAt = (entry: OutboxEntry, target: ChangeTarget) =>
  !isSend(entry) &&
  (target.id !== null
    ? entry.messageId === target.id
    : entry.sendId !== null && entry.sendId === target.clientId);

/**
 * Queues a change, in order after everything queued before it, the way the server would see it.
 * A change to one of our sends that has not gone yet changes the send itself: an edit edits its
 * body, a deletion drops it (and whatever waited on it). The send on its way (`inFlight`) cannot
 * change any more: the change waits for its id. A deletion makes the changes waiting before it
 * pointless, and a reaction taken back before it went cancels it. Returns the entries unchanged
 * when there is nothing to do.
 */
export function queueChange(
  entries: readonly OutboxEntry[],
  target: ChangeTarget,
  change: Change,
  inFlight: string | null,
  entry: { clientId: string; createdAt: string },
): OutboxEntry[] {
  const idle = (candidate: OutboxEntry) => candidate.clientId !== inFlight;
  if (target.id === null) {
    const send = entries.find((candidate) => isSend(candidate) && candidate.clientId === target.clientId);
    if (!send) return [...entries];
    if (idle(send)) {
      if (change.op === 'edit')
        return entries.map((candidate) => (candidate === send ? { ...send, body: change.body } : candidate));
      if (change.op === 'delete')
        return entries.filter((candidate) => candidate !== send && !aimsAt(candidate, target));
    }
    // Reactions are for stored messages only.
    if (change.op === 'react' || change.op === 'unreact') return [...entries];
  }
  let kept = [...entries];
  if (change.op === 'delete')
    kept = kept.filter((candidate) => !(aimsAt(candidate, target) && idle(candidate)));
  if (change.op === 'react' || change.op === 'unreact') {
    const opposite = change.op === 'react' ? 'unreact' : 'react';
    const undone = kept.findLast(
      (candidate) =>
        aimsAt(candidate, target) &&
        idle(candidate) &&
        candidate.op === opposite &&
        candidate.emoji === change.emoji,
    );
    if (undone) return kept.filter((candidate) => candidate !== undone);
  }
  const queued: ChangeEntry = {
    ...entry,
    ...change,
    conversationId: target.conversationId,
    to: target.to,
    state: 'waiting',
    messageId: target.id,
    sendId: target.id === null ? target.clientId : null,
  };
  return [...kept, queued];
}

/**
 * A send was stored: it leaves the queue; changes that waited for it now name its id, and the
 * first message to a person names the conversation the later ones go to.
 */
export function afterStored(
  entries: readonly OutboxEntry[],
  sent: SendEntry,
  stored: Message,
): OutboxEntry[] {
  const conversationId = stored.conversation.id;
  return entries
    .filter((entry) => entry.clientId !== sent.clientId)
    .map((entry) => {
      if (!isSend(entry) && entry.sendId === sent.clientId)
        return { ...entry, messageId: stored.id, sendId: null, conversationId };
      if (entry.conversationId === null && entry.to === sent.to) return { ...entry, conversationId };
      return entry;
    });
}

/** Drops an entry (Delete, or it went through), and the changes that waited on it if it was a send. */
export const withoutEntry = (entries: readonly OutboxEntry[], clientId: string): OutboxEntry[] =>
  entries.filter((entry) => entry.clientId !== clientId && (isSend(entry) || entry.sendId !== clientId));

/** The oldest entry that can go now: waiting, and for a change, its message stored. */
export const nextToDeliver = (entries: readonly OutboxEntry[]): OutboxEntry | undefined =>
  entries.find((entry) => entry.state === 'waiting' && (isSend(entry) || entry.messageId !== null));
