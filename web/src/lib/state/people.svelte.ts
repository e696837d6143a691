import type { Client } from '@urql/core';
import type { User } from '../graphql/documents/fragments.ts';
import { UsersQuery } from '../graphql/documents/people.ts';

/** The other people, found by server-side search: the first page of matches, newest search wins. */
export class People {
  #users = $state<User[]>([]);
  #loading = $state(false);
  #generation = 0;

  constructor(private readonly urql: Client) {}

  get users(): readonly User[] {
    return this.#users;
  }
  get loading() {
    return this.#loading;
  }

  /** A new search replaces the list; answers to older searches are ignored when they come late. */
  async find(search: string) {
    const generation = ++this.#generation;
    this.#loading = true;
    const result = await this.urql
      .query(UsersQuery, { search: search.trim() || null, after: null })
      .toPromise();
    if (generation !== this.#generation) return;
    this.#loading = false;
    this.#users = result.data?.users.edges.map((edge) => edge.node) ?? [];
  }
}
