import type { Member, Presence } from '../graphql/documents/fragments.ts';

/** The members whose username or display name contains `query`, ignoring case; all of them for an empty query. */
export function matchingMembers(members: readonly Member[], query: string): readonly Member[] {
  const wanted = query.trim().toLocaleLowerCase();
  if (!wanted) return members;
  return members.filter(({ user }) =>
    [user.username, user.displayName].some((name) => name.toLocaleLowerCase().includes(wanted)),
  );
}

/** "27 members, 3 online" under a group's title: the others online, as the presence book knows them. */
export function memberLine(
  memberCount: number,
  members: readonly Member[],
  meId: string,
  presenceOf: (user: Member['user']) => Presence | null,
): string {
  const online = members.filter((member) => member.user.id !== meId && presenceOf(member.user)?.online).length;
  const count = `${memberCount} ${memberCount === 1 ? 'member' : 'members'}`;
  return online > 0 ? `${count}, ${online} online` : count;
}
