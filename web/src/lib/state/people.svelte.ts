import type { Client } from '@urql/core';
import { UsersQuery, type User } from '../graphql/documents.ts';

/** The other people, found by server-side search and cursor paging: fine with thousands of users. */
export class People {
  #users = $state<User[]>([]);
  #search = $state('');
  #hasMore = $state(false);
  #loading = $state(false);
  #endCursor: string | null = null;
  #generation = 0;

  constructor(private readonly urql: Client) {}

  get users(): readonly User[] {
    return this.#users;
  }
  get search() {
    return this.#search;
  }
  get hasMore() {
    return this.#hasMore;
  }
  get loading() {
    return this.#loading;
  }

  /** A new search replaces the list; answers to older searches are ignored when they come late. */
  async find(search: string) {
    this.#search = search;
    const generation = ++this.#generation;
    this.#loading = true;
    const result = await this.urql
      .query(UsersQuery, { search: search.trim() || null, after: null })
      .toPromise();
    if (generation !== this.#generation) return;
    this.#loading = false;
    this.#users = result.data?.users.edges.map((edge) => edge.node) ?? [];
    this.#take(result.data?.users.pageInfo);
  }

  async loadMore() {
    if (this.#loading || !this.#hasMore) return;
    const generation = this.#generation;
    this.#loading = true;
    const result = await this.urql
      .query(UsersQuery, { search: this.#search.trim() || null, after: this.#endCursor })
      .toPromise();
    if (generation !== this.#generation) return;
    this.#loading = false;
    this.#users = [...this.#users, ...(result.data?.users.edges.map((edge) => edge.node) ?? [])];
    this.#take(result.data?.users.pageInfo);
  }

  #take(pageInfo: { hasNextPage: boolean; endCursor: string | null } | undefined) {
    this.#hasMore = pageInfo?.hasNextPage ?? false;
    this.#endCursor = pageInfo?.endCursor ?? null;
  }
}
