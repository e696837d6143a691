import type { Reaction } from '../graphql/documents/fragments.ts';
import type { ShownMessage } from './message-log.svelte.ts';
import type { ChangeEntry } from './outbox-queue.ts';

function react(reactions: readonly Reaction[], emoji: string, on: boolean): Reaction[] {
  const found = reactions.find((reaction) => reaction.emoji === emoji);
  if (!found) return on ? [...reactions, { emoji, count: 1, reactedByMe: true }] : [...reactions];
  if (found.reactedByMe === on) return [...reactions];
  const count = found.count + (on ? 1 : -1);
  return reactions.flatMap((reaction) =>
    reaction !== found ? [reaction] : count > 0 ? [{ ...reaction, count, reactedByMe: on }] : [],
  );
}

/**
 * A message as it will be once our queued changes to it (oldest first) have gone through: shown
 * at once, offline too. Refused changes are left out: they will not happen.
 */
export function withChanges(message: ShownMessage, changes: readonly ChangeEntry[]): ShownMessage {
  let shown = message;
  for (const change of changes) {
    if (change.state === 'failed' || shown.deletedAt !== null) continue;
    switch (change.op) {
      case 'edit':
        shown = { ...shown, body: change.body, editedAt: change.createdAt };
        break;
      case 'delete':
        shown = { ...shown, body: '', deletedAt: change.createdAt, reactions: [] };
        break;
      case 'react':
      case 'unreact':
        shown = { ...shown, reactions: react(shown.reactions, change.emoji, change.op === 'react') };
        break;
    }
    shown = { ...shown, changing: true };
  }
  return shown;
}
