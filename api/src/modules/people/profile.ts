import type pg from 'pg';
import { inTransaction } from '../../db/client.ts';
import { badInput } from '../../domain/errors.ts';
import type { UserRef } from '../../domain/people.ts';
import { validateDisplayName } from '../../domain/validation.ts';
import type { EventBus } from '../../realtime/bus.ts';
import type { FileService } from '../files/files.ts';
import type { StoredUpload } from '../files/storage.ts';
import { conversationPartners } from '../presence/presence.sql.ts';
import { lockAvatar, profiles, setAvatar, setDisplayName, type ProfileRow } from './profile.sql.ts';

/** What a deleted account is shown as, wherever its old messages appear. */
export const DELETED_USER = 'Deleted user';

export interface ProfileChanges {
  displayName?: string | null;
  avatarUploadId?: string | null;
  removeAvatar?: boolean | null;
}

/**
 * Display names (chosen by the person, else their username) and avatars (an upload of the files
 * feature, kept as squares). A change reaches everyone who shares a conversation with them, and
 * their own other tabs, as a profile event.
 */
export class ProfileService {
  constructor(
    private readonly pool: pg.Pool,
    private readonly bus: EventBus,
    private readonly files: FileService,
  ) {}

  private async rows(users: readonly UserRef[]): Promise<Map<number, ProfileRow>> {
    const rows = await profiles(this.pool, [...new Set(users.map((user) => user.id))]);
    return new Map(rows.map((row) => [row.id, row]));
  }

  /** The names to show for these people, in one statement (a page of messages, a member list). */
  async displayNames(users: readonly UserRef[]): Promise<string[]> {
    const rows = await this.rows(users);
    return users.map((user) => {
      const row = rows.get(user.id);
      if (row?.deleted) return DELETED_USER;
      return row?.displayName ?? user.username;
    });
  }

  /** These people's avatars (upload ids), null where none is set, in one statement. */
  async avatarIds(users: readonly UserRef[]): Promise<Array<string | null>> {
    const rows = await this.rows(users);
    return users.map((user) => rows.get(user.id)?.avatarId ?? null);
  }

  /**
   * Changes what is given, all or nothing: a display name (an empty one goes back to the
   * username), an avatar (a finished avatar upload of the viewer's), or no avatar. A replaced
   * avatar's files are removed from storage at once.
   */
  async update(viewer: UserRef, changes: ProfileChanges): Promise<void> {
    if (changes.avatarUploadId != null && changes.removeAvatar)
      throw badInput('removeAvatar', 'Set an avatar or remove it, not both.');
    const name =
      changes.displayName == null
        ? undefined
        : changes.displayName.trim() === ''
          ? null
          : validateDisplayName(changes.displayName);
    const avatarId =
      changes.avatarUploadId != null
        ? await this.files.prepareAvatar(viewer, changes.avatarUploadId)
        : changes.removeAvatar
          ? null
          : undefined;
    if (name === undefined && avatarId === undefined) return;
    const retired = await inTransaction(this.pool, async (db): Promise<StoredUpload[]> => {
      if (name !== undefined) await setDisplayName(db, viewer.id, name);
      if (avatarId === undefined) return [];
      if (avatarId !== null) await this.files.claimAvatar(db, viewer, avatarId);
      const [current] = await lockAvatar(db, viewer.id);
      await setAvatar(db, viewer.id, avatarId);
      return current?.avatarId ? this.files.retire(db, current.avatarId) : [];
    });
    await this.files.removeRetired(retired);
    await this.announce(viewer);
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
