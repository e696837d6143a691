import type { ShownMessage } from './message-log.svelte.ts';

/** Text people wrote that is still there (a deleted one has nothing to act on). */
const live = (message: ShownMessage) => message.kind === 'TEXT' && message.deletedAt === null;

/** Ours, text, not deleted, before the server's `editableUntil` (one still on its way edits its queued body). */
export const canEdit = (message: ShownMessage, meId: string, now: number) =>
  live(message) &&
  message.sender.id === meId &&
  (message.id === null || (message.editableUntil !== null && Date.parse(message.editableUntil) > now));

/** Ours; in a group we own, anyone's. */
export const canDelete = (message: ShownMessage, meId: string, groupOwner: boolean) =>
  live(message) && (message.sender.id === meId || (groupOwner && message.id !== null));

/** Replies and reactions need a stored message. */
export const canRespond = (message: ShownMessage) => live(message) && message.id !== null;

/** What ↑ in an empty composer edits: our newest message that can still be edited. */
export const lastEditable = (messages: readonly ShownMessage[], meId: string, now: number) =>
  messages.findLast((message) => message.sender.id === meId && canEdit(message, meId, now));
