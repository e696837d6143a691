import type { Client } from '@urql/core';
import { SearchQuery, type SearchHit } from '../graphql/documents/search.ts';

/** Where a search looks: every conversation, or one. */
export interface SearchScope {
  id: string;
  title: string;
}

/** What the server said instead of results, in words for the person. */
function problem(code: unknown): string {
  switch (code) {
    case 'TIMEOUT':
      return 'That search took too long. Try fewer or rarer words.';
    case 'RATE_LIMITED':
      return 'Too many searches at once. Wait a moment and try again.';
    case 'BAD_USER_INPUT':
      return 'That search is too long.';
    default:
      return 'Search failed. Try again.';
  }
}

/**
 * Message search: the text typed, where it looks, and the results page by page. A new search
 * replaces the results; answers to older searches are ignored when they come late.
 */
export class MessageSearch {
  #text = $state('');
  #scope = $state<SearchScope | null>(null);
  #hits = $state<SearchHit[]>([]);
  #endCursor: string | null = null;
  #hasMore = $state(false);
  #loading = $state(false);
  #searched = $state(false);
  #error = $state<string | null>(null);
  #showing = $state(false);
  #generation = 0;

  constructor(private readonly urql: Client) {}

  get text() {
    return this.#text;
  }
  get scope() {
    return this.#scope;
  }
  get hits(): readonly SearchHit[] {
    return this.#hits;
  }
  get hasMore() {
    return this.#hasMore;
  }
  get loading() {
    return this.#loading;
  }
  /** A search was answered for the text shown (so "nothing found" may be said). */
  get searched() {
    return this.#searched;
  }
  get error() {
    return this.#error;
  }
  /** Whether the results take the screen (a phone's): from a search until a result is chosen. */
  get showing() {
    return this.#showing && this.active;
  }

  /** A result was chosen: its conversation takes the screen, the results wait behind Back. */
  chose() {
    this.#showing = false;
  }

  /** Whether there is anything to show: results, or a search under way. */
  get active() {
    return this.#text.trim() !== '' || this.#scope !== null;
  }

  /** The text changed: the results shown no longer answer it. */
  type(text: string) {
    this.#text = text;
    this.#searched = false;
    this.#showing = true;
  }

  within(scope: SearchScope | null) {
    this.#scope = scope;
    this.#searched = false;
    this.#showing = true;
  }

  clear() {
    this.#generation += 1;
    this.#text = '';
    this.#scope = null;
    this.#hits = [];
    this.#hasMore = false;
    this.#loading = false;
    this.#searched = false;
    this.#error = null;
  }

  /** The first page for the text and scope as they are now. */
  async run() {
    if (!this.active) return this.clear();
    await this.#page(null);
  }

  /** The next page, after the results shown. */
  async more() {
    if (this.#hasMore && !this.#loading) await this.#page(this.#endCursor);
  }

  async #page(after: string | null) {
    const generation = ++this.#generation;
    this.#loading = true;
    const result = await this.urql
      .query(
        SearchQuery,
        { query: this.#text.trim(), conversationId: this.#scope?.id ?? null, after },
        { requestPolicy: 'network-only' },
      )
      .toPromise();
    if (generation !== this.#generation) return;
    this.#loading = false;
    this.#searched = true;
    const page = result.data?.search;
    if (!page) {
      this.#error = problem(result.error?.graphQLErrors[0]?.extensions.code);
      return;
    }
    this.#error = null;
    const hits = page.edges.map((edge) => edge.node);
    this.#hits = after === null ? hits : [...this.#hits, ...hits];
    this.#hasMore = page.pageInfo.hasNextPage;
    this.#endCursor = page.pageInfo.endCursor ?? null;
  }
}
