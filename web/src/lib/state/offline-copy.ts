import type { ConversationSummary, User } from '../graphql/documents/fragments.ts';

/**
 * What a reload without the network starts from: who is signed in in this browser, and their
 * chat list as it last loaded (in localStorage, beside the outbox). Kept after every load from
 * the server; a logout or an ended session forgets both.
 */
const ME = 'chat.me.v1';
const LIST = 'chat.list.v1.';

export interface KeptList {
  conversations: ConversationSummary[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

function read<T>(storage: Storage, key: string): T | null {
  try {
    return JSON.parse(storage.getItem(key) ?? 'null') as T | null;
  } catch {
    return null;
  }
}

export const offlineCopy = {
  keepMe: (me: User, storage: Storage = localStorage) => storage.setItem(ME, JSON.stringify(me)),
  me: (storage: Storage = localStorage) => read<User>(storage, ME),
  keepList: (userId: string, list: KeptList, storage: Storage = localStorage) =>
    storage.setItem(LIST + userId, JSON.stringify(list)),
  list: (userId: string, storage: Storage = localStorage) => read<KeptList>(storage, LIST + userId),
  forget(storage: Storage = localStorage) {
    for (const key of Object.keys(storage)) if (key === ME || key.startsWith(LIST)) storage.removeItem(key);
  },
};
