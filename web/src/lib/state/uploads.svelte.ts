import type { Client } from '@urql/core';
import { CreateUploadMutation } from '../graphql/documents/messages.ts';
import { background } from '../background.ts';
import { errorText } from './conversation.svelte.ts';

/** The server's default MAX_UPLOAD_BYTES: larger files are refused before a byte goes up. */
export const MAX_UPLOAD_BYTES = 25 * 1024 * 1024;
/** At most this many files go with one message. */
export const MAX_FILES = 10;

export interface PendingFile {
  key: string;
  file: File;
  /** 0 to 1. */
  progress: number;
  state: 'uploading' | 'done' | 'failed';
  error?: string;
  /** The upload's id once its ticket was given. */
  id?: string;
}

export const sizeText = (bytes: number) =>
  bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 * 1024
      ? `${Math.round(bytes / 1024)} KB`
      : `${(bytes / 1024 / 1024).toFixed(1)} MB`;

let keys = 0;

/**
 * The files chosen for the next message of a conversation: each is uploaded as soon as chosen
 * (a ticket, then a PUT with progress), can be cancelled, and retried when it failed. The
 * message goes with the ids of those done.
 */
export class FileUploads {
  #files = $state<PendingFile[]>([]);
  readonly #requests = new Map<string, XMLHttpRequest>();

  constructor(
    private readonly urql: Client,
    private readonly conversationId: () => string | null,
  ) {}

  get files(): readonly PendingFile[] {
    return this.#files;
  }
  /** Every chosen file is up: the message may go. */
  get ready(): boolean {
    return this.#files.length > 0 && this.#files.every((pending) => pending.state === 'done');
  }
  get ids(): string[] {
    return this.#files.flatMap((pending) => (pending.id ? [pending.id] : []));
  }

  add(chosen: Iterable<File>) {
    for (const file of chosen) {
      const pending: PendingFile = { key: `f${++keys}`, file, progress: 0, state: 'uploading' };
      if (this.#files.length >= MAX_FILES)
        this.#files.push({
          ...pending,
          state: 'failed',
          error: `At most ${MAX_FILES} files go with one message.`,
        });
      else if (file.size > MAX_UPLOAD_BYTES)
        this.#files.push({
          ...pending,
          state: 'failed',
          error: `Over the ${sizeText(MAX_UPLOAD_BYTES)} limit.`,
        });
      else if (file.size === 0)
        this.#files.push({ ...pending, state: 'failed', error: 'This file is empty.' });
      else {
        this.#files.push(pending);
        background(this.#upload(pending.key), 'Uploading a file');
      }
    }
  }

  cancel(key: string) {
    this.#requests.get(key)?.abort();
    this.#requests.delete(key);
    this.#files = this.#files.filter((pending) => pending.key !== key);
  }

  retry(key: string) {
    this.#set(key, { state: 'uploading', progress: 0, error: undefined });
    background(this.#upload(key), 'Uploading a file');
  }

  /** After the message went: nothing chosen. */
  clear() {
    this.#files = [];
  }

  #set(key: string, change: Partial<PendingFile>) {
    this.#files = this.#files.map((pending) => (pending.key === key ? { ...pending, ...change } : pending));
  }

  async #upload(key: string) {
    const pending = this.#files.find((candidate) => candidate.key === key);
    const conversationId = this.conversationId();
    if (!pending || conversationId === null)
      return this.#set(key, { state: 'failed', error: 'Send a message first.' });
    const { file } = pending;
    const answer = await this.urql
      .mutation(CreateUploadMutation, {
        conversationId,
        filename: file.name || 'pasted',
        contentType: file.type || 'application/octet-stream',
        size: file.size,
      })
      .toPromise();
    const ticket = answer.data?.createUpload;
    if (!ticket)
      return this.#set(key, { state: 'failed', error: errorText(answer.error, 'Could not upload.') });
    if (!this.#files.some((candidate) => candidate.key === key)) return;
    const request = new XMLHttpRequest();
    this.#requests.set(key, request);
    request.open('PUT', new URL(ticket.url, location.href));
    for (const { name, value } of ticket.headers) request.setRequestHeader(name, value);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) this.#set(key, { progress: event.loaded / event.total });
    };
    request.onload = () => {
      this.#requests.delete(key);
      if (request.status >= 200 && request.status < 300)
        this.#set(key, { state: 'done', progress: 1, id: ticket.id });
      else this.#set(key, { state: 'failed', error: `The upload failed (${request.status}).` });
    };
    request.onerror = () => {
      this.#requests.delete(key);
      this.#set(key, { state: 'failed', error: 'The upload failed: no connection.' });
    };
    request.send(file);
  }
}
