import { badInput } from './errors.ts';

/** How much of a conversation reaches a member by push. */
export type NotificationLevel = 'ALL' | 'MENTIONS' | 'NONE';

/** Groups larger than this push only mentions unless a member chose otherwise (as Zulip and Mattermost damp them). */
export const MENTIONS_ONLY_ABOVE_MEMBERS = 15;

/** How long a tab's "I am shown and focused" keeps pushes away (it shows the message itself). */
export const ACTIVITY_WINDOW_MS = 60_000;

/** A push preview's most characters. */
export const PREVIEW_MAX_CHARS = 140;

export interface QuietHours {
  /** "HH:MM", local time in `timeZone`. A start after the end spans midnight. */
  start: string;
  end: string;
  timeZone: string;
  allowDirect: boolean;
  allowMentions: boolean;
}

/** The level a member has in a conversation: theirs, or the default by its kind and size. */
export function effectiveLevel(
  chosen: NotificationLevel | null,
  conversation: { kind: 'DIRECT' | 'GROUP'; memberCount: number },
): NotificationLevel {
  if (chosen) return chosen;
  return conversation.kind === 'GROUP' && conversation.memberCount > MENTIONS_ONLY_ABOVE_MEMBERS ? 'MENTIONS' : 'ALL';
}

/** Muted now: with no end, or an end still ahead. */
export const isMuted = (mute: { mutedForever: boolean; mutedUntil: Date | null }, now: number) =>
  mute.mutedForever || (mute.mutedUntil !== null && mute.mutedUntil.getTime() > now);

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

const minutesOf = (time: string) => {
  const [, hours, minutes] = TIME.exec(time)!;
  return Number(hours) * 60 + Number(minutes);
};

/** Checks quiet hours as a person gives them: two "HH:MM" times, different, and a time zone this server knows. */
export function validateQuietHours(input: QuietHours): QuietHours {
  if (!TIME.test(input.start)) throw badInput('quietHours.start', 'Give the start as HH:MM, from 00:00 to 23:59.');
  if (!TIME.test(input.end)) throw badInput('quietHours.end', 'Give the end as HH:MM, from 00:00 to 23:59.');
  if (input.start === input.end) throw badInput('quietHours.end', 'Quiet hours need an end different from their start.');
  let timeZone: string;
  try {
    timeZone = new Intl.DateTimeFormat('en-US', { timeZone: input.timeZone }).resolvedOptions().timeZone;
  } catch {
    throw badInput('quietHours.timeZone', 'Give an IANA time zone, such as Europe/Berlin.');
  }
  return { ...input, timeZone };
}

/** The wall-clock minute of the day at `now` in `timeZone` (DST included: Intl knows the zone's rules). */
function localMinuteOfDay(now: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    .formatToParts(now);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return part('hour') * 60 + part('minute');
}

/** Inside the quiet hours at `now`: from the start (included) to the end (excluded), across midnight when start > end. */
export function inQuietHours(quiet: Pick<QuietHours, 'start' | 'end' | 'timeZone'>, now: number): boolean {
  const minute = localMinuteOfDay(now, quiet.timeZone);
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/** What the rules need to know about one member for one message. */
export interface PushCandidate {
  level: NotificationLevel;
  mutedForever: boolean;
  mutedUntil: Date | null;
  quietHours: QuietHours | null;
  /** A tab of theirs said it was shown within the activity window. */
  active: boolean;
  /** The message mentions them, by name or as everyone. */
  mentioned: boolean;
}

/** Why a member gets no push for a message, or null when they get one. Blocks and the sender are left out before. */
export function reasonNotToPush(candidate: PushCandidate, direct: boolean, now: number): string | null {
  if (candidate.active) return 'active';
  if (isMuted(candidate, now)) return 'muted';
  if (candidate.level === 'NONE') return 'level';
  if (candidate.level === 'MENTIONS' && !candidate.mentioned && !direct) return 'level';
  const quiet = candidate.quietHours;
  if (quiet && inQuietHours(quiet, now)) {
    const excepted = (quiet.allowDirect && direct) || (quiet.allowMentions && candidate.mentioned);
    if (!excepted) return 'quiet hours';
  }
  return null;
}

/** The words a push shows: at most PREVIEW_MAX_CHARS characters (not UTF-16 units), an ellipsis when cut. */
export function previewOf(body: string): string {
  const characters = [...body.replace(/\s+/g, ' ').trim()];
  return characters.length <= PREVIEW_MAX_CHARS
    ? characters.join('')
    : `${characters.slice(0, PREVIEW_MAX_CHARS - 1).join('')}…`;
}
