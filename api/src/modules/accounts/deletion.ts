import type pg from 'pg';
import { inTransaction } from '../../db/client.ts';
import type { Viewer } from '../../domain/people.ts';
import type { ConversationAccess } from '../conversations/access.ts';
import type { GroupService } from '../conversations/groups.ts';
import type { MessageChanges } from '../messages/changes.ts';
import type { ProfileService } from '../people/profile.ts';
import type { UserDirectory } from '../people/user-directory.ts';
import type { AccountService } from './accounts.ts';
import { groupsOf, markDeleted } from './deletion.sql.ts';
import type { SessionService } from './sessions.ts';

/** Messages erased per read: the loop reads again until none is left. */
const ERASE_BATCH = 200;

/**
 * Deleting an account: its avatar removed from storage, its messages erased (each as a deletion for everyone: a tombstone, its
 * text, earlier texts, reactions and mentions gone) or kept under "Deleted user"; every group
 * left (ownership passing on as when leaving); blocks, passkeys, reset and email gone; every
 * session ended. The row stays, so that the username is never handed out again.
 */
export class AccountDeletion {
  constructor(
    private readonly pool: pg.Pool,
    private readonly accounts: AccountService,
    private readonly sessions: SessionService,
    private readonly access: ConversationAccess,
    private readonly groups: GroupService,
    private readonly changes: MessageChanges,
    private readonly users: UserDirectory,
    private readonly profiles: ProfileService,
    private readonly now: () => number,
  ) {}

  async delete(viewer: Viewer, password: string, eraseMessages: boolean, address: string): Promise<void> {
    await this.accounts.confirmPassword(viewer, password, address, 'password');
    if (eraseMessages) await this.eraseMessages(viewer);
    await this.profiles.update(viewer, { removeAvatar: true });
    for (const group of await groupsOf(this.pool, viewer.id)) {
      const conversation = await this.access.tryMember(viewer, String(group.id));
      if (conversation) await this.groups.removeMember(viewer, conversation, viewer.username);
    }
    const ended = await inTransaction(this.pool, async (db) => {
      await markDeleted(db, viewer.id, new Date(this.now()));
      return this.sessions.deleteAllOf(db, viewer.id, null);
    });
    this.users.forget(viewer);
    await this.sessions.announceEnded(ended);
  }

  private async eraseMessages(viewer: Viewer): Promise<void> {
    for (const conversation of await this.access.authored(viewer)) {
      for (;;) {
        const ids = await this.access.authoredMessages(conversation, ERASE_BATCH);
        for (const id of ids) await this.changes.erase(conversation, id);
        if (ids.length < ERASE_BATCH) break;
      }
    }
  }
}
