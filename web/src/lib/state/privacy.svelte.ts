import type { AnyVariables, Client, TypedDocumentNode } from '@urql/core';
import type { VariablesOf } from 'gql.tada';
import { SvelteSet } from 'svelte/reactivity';
import type { User } from '../graphql/documents/fragments.ts';
import {
  BlockMutation,
  PrivacyQuery,
  UnblockMutation,
  UpdateSettingsMutation,
  type Settings,
} from '../graphql/documents/people.ts';
import { errorText } from './conversation.svelte.ts';

/** null when it worked, else why not, in words. */
type Outcome = string | null;

/**
 * The people the viewer blocked, and which of their group messages the viewer chose to see:
 * in a group the others still see them, so the blocker's client folds them away.
 */
export class Blocklist {
  #people = $state<User[]>([]);
  #shown = new SvelteSet<string>();

  get people() {
    return this.#people;
  }

  set(people: User[]) {
    this.#people = people;
  }

  has(username: string) {
    return this.#people.some((person) => person.username === username);
  }

  /** Whether a message shows folded: a blocked person's, in a group, not opened with "show". */
  collapsed(message: { key: string; sender: User }, group: boolean) {
    return (
      group && !this.#shown.has(message.key) && this.#people.some((person) => person.id === message.sender.id)
    );
  }

  show(key: string) {
    this.#shown.add(key);
  }
}

/** The viewer's settings (presence, read receipts) and blocks. `onChange` reloads what they change. */
export class Privacy {
  readonly blocked = new Blocklist();
  #settings = $state<Settings | null>(null);

  constructor(
    private readonly urql: Client,
    private readonly onChange: () => void,
  ) {}

  /** null until loaded. */
  get settings() {
    return this.#settings;
  }

  async load() {
    const result = await this.urql.query(PrivacyQuery, {}, { requestPolicy: 'network-only' }).toPromise();
    if (!result.data) return;
    this.#settings = result.data.me?.settings ?? null;
    this.blocked.set(result.data.blockedUsers);
  }

  /** A block, an unblock or a presence change came from the stream: the blocks and the list afresh. */
  async changed() {
    await this.load();
    this.onChange();
  }

  async update(changes: VariablesOf<typeof UpdateSettingsMutation>): Promise<Outcome> {
    const result = await this.urql.mutation(UpdateSettingsMutation, changes).toPromise();
    if (!result.data) return errorText(result.error, 'The settings were not saved.');
    this.#settings = result.data.updateSettings;
    this.onChange();
    return null;
  }

  block(username: string): Promise<Outcome> {
    return this.#change(BlockMutation, { username });
  }

  unblock(username: string): Promise<Outcome> {
    return this.#change(UnblockMutation, { username });
  }

  async #change<Variables extends AnyVariables>(
    document: TypedDocumentNode<{ block: boolean } | { unblock: boolean }, Variables>,
    variables: Variables,
  ): Promise<Outcome> {
    const result = await this.urql.mutation(document, variables).toPromise();
    if (!result.data) return errorText(result.error, 'That did not work.');
    await this.changed();
    return null;
  }
}
