import type pg from 'pg';
import { AppError } from '../../domain/errors.ts';
import type { UserRef } from '../../domain/people.ts';
import { validateDisplayName } from '../../domain/validation.ts';
import type { EventBus } from '../../realtime/bus.ts';
import { conversationPartners } from '../presence/presence.sql.ts';
import { profiles, setDisplayName, type ProfileRow } from './profile.sql.ts';

/** What a deleted account is shown as, wherever its old messages appear. */
export const DELETED_USER = 'Deleted user';

/**
 * Display names: chosen by the person, else their username. A change reaches everyone who
 * shares a conversation with them, and their own other tabs, as a profile event.
 */
export class ProfileService {
  constructor(
    private readonly pool: pg.Pool,
    private readonly bus: EventBus,
  ) {}

  /** The names to show for these people, in one statement (a page of messages, a member list). */
  async displayNames(users: readonly UserRef[]): Promise<string[]> {
    const rows = new Map<number, ProfileRow>(
      (await profiles(this.pool, [...new Set(users.map((user) => user.id))])).map((row) => [row.id, row]),
    );
    return users.map((user) => {
      const row = rows.get(user.id);
      if (row?.deleted) return DELETED_USER;
      return row?.displayName ?? user.username;
    });
  }

  /**
   * Changes what is given: a display name (an empty one goes back to the username). Avatars need
   * the files feature's upload flow, which this server does not have yet.
   */
  async update(viewer: UserRef, changes: { displayName?: string | null; avatarUploadId?: string | null }) {
    if (changes.avatarUploadId != null)
      throw new AppError('BAD_USER_INPUT', 'This server cannot take avatar uploads yet.', { field: 'avatarUploadId' });
    if (changes.displayName != null) {
      const name = changes.displayName.trim() === '' ? null : validateDisplayName(changes.displayName);
      await setDisplayName(this.pool, viewer.id, name);
      await this.announce(viewer);
    }
  }

  /**
   * Whatever their presence settings or blocks: the name shows on old messages and member lists
   * either way, so it should not be stale there.
   */
  private async announce(user: UserRef) {
    const partners = await conversationPartners(this.pool, user.id);
    await this.bus.publishToUsers([user.id, ...partners.map(({ id }) => id)], {
      type: 'profile',
      user: { id: user.id, username: user.username },
    });
  }
}
