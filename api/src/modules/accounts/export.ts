import { ZipArchive, type Archiver, type EntryData } from 'archiver';
import escapeHtml from 'escape-html';
import { on } from 'node:events';
import { Readable } from 'node:stream';
import type pg from 'pg';
import { AppError } from '../../domain/errors.ts';
import type { Viewer } from '../../domain/people.ts';
import { AVATAR_EDGES, avatarKey, objectKey, type FileStorage } from '../files/storage.ts';
import {
  exportConversations,
  exportFiles,
  exportMessages,
  exportProfile,
  type ExportAttachment,
  type ExportConversationRow,
  type ExportMessageRow,
} from './export.sql.ts';

/** Messages read per statement: the zip is written as they come, never held whole. */
const PAGE = 500;

/** Where a file is in the zip: named by its upload's id, so no two clash and no name leaves the folder. */
const exportPath = (file: ExportAttachment) => `files/${file.id}-${file.filename}`;

/** The person's avatar in the zip: its largest square. */
const AVATAR_PATH = 'avatar.webp';

/**
 * A person's data as a zip, streamed: their profile (and avatar), and every conversation they are in with
 * every message of it (received ones too), as JSON and as a readable HTML page, and the files of
 * those messages, each read from storage only when the zip reaches it. One export at a time per
 * person on an instance.
 */
export class AccountExport {
  private readonly running = new Set<number>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly storage: FileStorage,
  ) {}

  /** The zip as a stream; CONFLICT while another export of the same person runs here. */
  start(viewer: Viewer): Readable {
    if (this.running.has(viewer.id))
      throw new AppError('CONFLICT', 'An export of your data is already running. Wait for it to finish.');
    this.running.add(viewer.id);
    const zip = new ZipArchive({ zlib: { level: 6 } });
    const done = () => this.running.delete(viewer.id);
    zip.once('close', done).once('end', done).once('error', done);
    this.fill(zip, viewer).catch((error: unknown) => zip.destroy(error as Error));
    return zip;
  }

  private async fill(zip: Archiver, viewer: Viewer): Promise<void> {
    const [row] = await exportProfile(this.pool, viewer.id);
    if (!row) throw new AppError('NOT_FOUND', 'There is no such account.');
    const { avatarId, ...profile } = row;
    zip.append(JSON.stringify({ ...profile, avatar: avatarId ? AVATAR_PATH : null }, null, 2), { name: 'profile.json' });
    if (avatarId) await this.appendStored(zip, AVATAR_PATH, avatarKey(avatarId, AVATAR_EDGES[AVATAR_EDGES.length - 1]!));
    const conversations = await exportConversations(this.pool, viewer.id);
    zip.append(indexPage(viewer, conversations), { name: 'index.html' });
    for (const conversation of conversations) {
      zip.append(Readable.from(this.json(conversation)), { name: `conversations/${conversation.id}.json` });
      zip.append(Readable.from(this.html(conversation)), { name: `conversations/${conversation.id}.html` });
      for await (const file of this.files(conversation.id)) await this.appendStored(zip, exportPath(file), objectKey(file.id, 'original'));
    }
    await zip.finalize();
  }

  private async *messages(conversationId: number): AsyncGenerator<ExportMessageRow> {
    let afterSeq = 0;
    for (;;) {
      const page = await exportMessages(this.pool, conversationId, afterSeq, PAGE);
      yield* page;
      if (page.length < PAGE) return;
      afterSeq = page.at(-1)!.seq;
    }
  }

  private async *files(conversationId: number): AsyncGenerator<ExportAttachment> {
    let after = { seq: 0, position: -1 };
    for (;;) {
      const page = await exportFiles(this.pool, conversationId, after.seq, after.position, PAGE);
      yield* page;
      if (page.length < PAGE) return;
      after = page.at(-1)!;
    }
  }

  /**
   * The zip starts reading an entry as soon as it is appended: files go in one at a time, each
   * once the one before is written, so one is open whatever their number.
   */
  private async appendStored(zip: Archiver, name: string, key: string): Promise<void> {
    const written = on(zip, 'entry', { close: ['close', 'end'] });
    zip.append(Readable.from(this.bytes(key)), { name });
    for await (const [entry] of written) if ((entry as EntryData).name === name) return;
    throw new Error('The export ended before its files were written.');
  }

  private async *bytes(key: string): AsyncGenerator<Buffer> {
    yield* (await this.storage.stream(key)) as AsyncIterable<Buffer>;
  }

  private async *json(conversation: ExportConversationRow): AsyncGenerator<string> {
    const { id, kind, title, members } = conversation;
    yield `{"id":${id},"kind":${JSON.stringify(kind)},"title":${JSON.stringify(title)},"members":${JSON.stringify(members)},"messages":[`;
    let first = true;
    for await (const message of this.messages(id)) {
      const attachments = message.attachments.map((file) => ({ ...file, path: exportPath(file) }));
      yield `${first ? '\n' : ',\n'}${JSON.stringify({ ...message, attachments, deleted: message.deletedAt !== null })}`;
      first = false;
    }
    yield '\n]}\n';
  }

  private async *html(conversation: ExportConversationRow): AsyncGenerator<string> {
    yield page(titleOf(conversation), `<p>Members: ${escapeHtml(conversation.members.join(', '))}</p>\n<ol>\n`);
    for await (const message of this.messages(conversation.id)) {
      const text = message.deletedAt ? '<em>deleted</em>' : escapeHtml(message.body);
      const files = message.attachments
        .map((file) => ` <a href="../${escapeHtml(encodeURI(exportPath(file)))}">${escapeHtml(file.filename)}</a>`)
        .join('');
      yield `<li><time>${message.createdAt.toISOString()}</time> <b>${escapeHtml(message.sender)}</b>: ${text}${files}</li>\n`;
    }
    yield '</ol></body></html>\n';
  }
}

const titleOf = (conversation: ExportConversationRow) =>
  conversation.title ?? `Conversation with ${conversation.members.join(', ')}`;

const page = (title: string, body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>\n${body}`;

function indexPage(viewer: Viewer, conversations: ExportConversationRow[]) {
  const items = conversations
    .map((conversation) => `<li><a href="conversations/${conversation.id}.html">${escapeHtml(titleOf(conversation))}</a></li>`)
    .join('\n');
  return `${page(`Data of ${viewer.username}`, `<ul>\n${items}\n</ul>`)}</body></html>\n`;
}
