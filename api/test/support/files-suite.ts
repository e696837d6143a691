import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, signup, type TestUser } from './clients.ts';
import { createGroup, errorCode, removeMember, send } from './conversations.ts';
import { createTestDatabase } from './database.ts';
import {
  avatarUploaded,
  createUpload,
  fetchFile,
  hasGps,
  photoWithGps,
  putBytes,
  sendFiles,
  setAvatar,
  uploaded,
} from './files.ts';
import { deleteMessage } from './message-changes.ts';
import { startTestServer, type TestServer } from './server.ts';
import { waitUntil } from './waits.ts';

const MiB = 1024 * 1024;
export const HOUR = 3_600_000;

/** The storage a suite runs against: the server's settings for it, and what it holds. */
export interface StorageUnderTest {
  env: Record<string, string>;
  /** The keys of every stored object. */
  objects: () => Promise<string[]>;
}

export interface FilesContext {
  server: TestServer;
  /** Moves the server's clock (expiry, cleanup) instead of waiting. */
  moveClock: (ms: number) => void;
  group: (owner: TestUser, ...members: TestUser[]) => Promise<string>;
}

/**
 * Every rule of the files feature against one storage (local disk, or the S3-compatible server
 * a test starts): the same tests, the same answers. `extra` adds what only one storage has.
 */
export function describeFiles(
  name: string,
  storage: () => Promise<StorageUnderTest>,
  extra?: (context: () => FilesContext & StorageUnderTest) => void,
) {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let server: TestServer;
  let store: StorageUnderTest;
  let ahead = 0;

  beforeAll(async () => {
    store = await storage();
    database = await createTestDatabase();
    server = await startTestServer({
      databaseUrl: database.url,
      clock: () => Date.now() + ahead,
      env: {
        MAX_UPLOAD_BYTES: String(MiB),
        UPLOAD_QUOTA_BYTES: String(4 * MiB),
        UPLOADS_PER_USER_PER_MINUTE: '25',
        FILES_SWEEP_INTERVAL: '100ms',
        ...store.env,
      },
    });
  });
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  const group = async (owner: TestUser, ...members: TestUser[]) =>
    (await createGroup(server, owner, 'Files', members)).id;
  /** Three new people (the tests take what they need). */
  const people = () => Promise.all([signup(server), signup(server), signup(server)] as const);
  const sent = async (viewer: TestUser, conversationId: string, body: string, ids: string[]) => {
    const result = await sendFiles(server, viewer, conversationId, body, ids);
    if (!result.data) throw new Error(`send failed: ${JSON.stringify(result.errors)}`);
    return result.data.sendMessage;
  };

  describe(`files (${name})`, () => {
    it('a photo goes up in two steps and arrives oriented, without EXIF or GPS, with WebP thumbnails and its size', async () => {
      const [alice, bob] = await people();
      const conversationId = await group(alice, bob);
      const photo = await photoWithGps();
      expect(await hasGps(photo)).toBe(true);
      const id = await uploaded(server, alice, conversationId, 'IMG_0001.jpg', photo, 'image/jpeg');
      const message = await sent(alice, conversationId, '', [id]);
      expect(message.body).toBe('');
      const [attachment] = message.attachments;
      // Stored 300×200 sideways: shown 200×300 once the orientation is applied.
      expect(attachment).toMatchObject({
        id,
        filename: 'IMG_0001.jpg',
        contentType: 'image/jpeg',
        width: 200,
        height: 300,
      });
      expect(attachment!.thumbnailUrl).not.toBeNull();

      const original = await fetchFile(server, bob, attachment!.url);
      expect(original.status).toBe(200);
      expect(original.headers.get('content-type')).toBe('image/jpeg');
      expect(original.headers.get('content-disposition')).toBe('inline; filename=IMG_0001.jpg');
      const stored = Buffer.from(await original.arrayBuffer());
      expect(stored.length).toBe(attachment!.size);
      const storedMeta = await sharp(stored).metadata();
      expect([storedMeta.exif, storedMeta.xmp, storedMeta.iptc, storedMeta.orientation]).toEqual([
        undefined,
        undefined,
        undefined,
        undefined,
      ]);
      expect(await hasGps(stored)).toBe(false);
      expect(stored.includes('SpyCam')).toBe(false);
      expect([storedMeta.width, storedMeta.height]).toEqual([200, 300]);

      for (const url of [attachment!.thumbnailUrl!, attachment!.previewUrl!]) {
        const response = await fetchFile(server, bob, url);
        expect(response.headers.get('content-type')).toBe('image/webp');
        const bytes = Buffer.from(await response.arrayBuffer());
        const meta = await sharp(bytes).metadata();
        expect([meta.format, meta.exif, meta.width, meta.height]).toEqual(['webp', undefined, 200, 300]);
      }
    });

    it('a mislabelled file is a plain download; an SVG is never shown inline; names go per RFC 6266', async () => {
      const [alice, bob] = await people();
      const conversationId = await group(alice, bob);
      const fake = await uploaded(
        server,
        alice,
        conversationId,
        'cat.jpg',
        Buffer.from('not a cat at all'),
        'image/jpeg',
      );
      const svgBytes = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
      const svg = await uploaded(server, alice, conversationId, 'drawing.svg', svgBytes, 'image/svg+xml');
      const pdf = await uploaded(
        server,
        alice,
        conversationId,
        'résumé 2026.pdf',
        Buffer.from('%PDF-1.4\n%âãÏÓ\n1 0 obj\n'),
        'application/pdf',
      );
      const message = await sent(alice, conversationId, 'three files', [fake, svg, pdf]);
      const [cat, drawing, resume] = message.attachments;
      expect(cat).toMatchObject({
        contentType: 'application/octet-stream',
        width: null,
        thumbnailUrl: null,
        previewUrl: null,
      });
      expect(drawing!.contentType).not.toMatch(/svg|html/);
      expect(resume).toMatchObject({ filename: 'résumé 2026.pdf', contentType: 'application/pdf' });

      for (const attachment of [cat!, drawing!]) {
        const response = await fetchFile(server, bob, attachment.url);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-disposition')).toMatch(/^attachment;/);
        expect(response.headers.get('content-type')).not.toMatch(/^image\//);
      }
      const response = await fetchFile(server, bob, resume!.url);
      expect(response.headers.get('content-disposition')).toBe(
        `attachment; filename="r?sum? 2026.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%202026.pdf`,
      );
      expect(await fetchFile(server, bob, `${cat!.url}/thumbnail`).then((r) => r.status)).toBe(404);
    });

    it('only a current member with a session downloads: others, logged-out, removed and blocked people get 404', async () => {
      const [[alice, bob, carol], [dave]] = await Promise.all([people(), people()]);
      const conversationId = await group(alice, bob, carol);
      const id = await uploaded(server, alice, conversationId, 'plan.txt', Buffer.from('the plan'));
      const { attachments } = await sent(alice, conversationId, 'the plan', [id]);
      const url = attachments[0]!.url;
      expect((await fetchFile(server, bob, url)).status).toBe(200);
      expect((await fetchFile(server, dave, url)).status).toBe(404);
      expect((await fetchFile(server, null, url)).status).toBe(404);
      expect((await fetchFile(server, null, url, { cookie: 'sessionid=forged' })).status).toBe(404);

      // A removed member's kept URL.
      expect((await fetchFile(server, carol, url)).status).toBe(200);
      expect(errorCode(await removeMember(server, alice, conversationId, carol))).toBe('none');
      expect((await fetchFile(server, carol, url)).status).toBe(404);

      // A logged-out session.
      expect((await gql(server, 'mutation { logout }', {}, { token: bob.token })).data).toEqual({
        logout: true,
      });
      expect((await fetchFile(server, bob, url)).status).toBe(404);

      // Blocked by the direct peer: the other person's files answer 404.
      const direct = await send(server, alice, dave, 'hi');
      const directId = direct.conversation.id;
      const photo = await uploaded(server, dave, directId, 'me.txt', Buffer.from('hello'));
      const { attachments: directFiles } = await sent(dave, directId, '', [photo]);
      expect((await fetchFile(server, alice, directFiles[0]!.url)).status).toBe(200);
      await gql(
        server,
        'mutation ($u: String!) { block(username: $u) }',
        { u: alice.username },
        { token: dave.token },
      );
      expect((await fetchFile(server, alice, directFiles[0]!.url)).status).toBe(404);
    });

    it('refuses a file over MAX_UPLOAD_BYTES, past the quota, to a non-member, and past the rate', async () => {
      const [alice, bob, carol] = await people();
      const conversationId = await group(alice, bob);
      const ask = (viewer: TestUser, size: number, into = conversationId) =>
        createUpload(server, viewer, into, {
          filename: 'a.bin',
          contentType: 'application/octet-stream',
          size,
        });
      const tooBig = await ask(alice, MiB + 1);
      expect([errorCode(tooBig), tooBig.errors?.[0]?.message]).toEqual([
        'BAD_USER_INPUT',
        'A file can be at most 1 MiB.',
      ]);
      expect(errorCode(await ask(carol, 10))).toBe('NOT_FOUND');
      // Four 1 MiB tickets fill the 4 MiB quota; the next byte is refused.
      for (let i = 0; i < 4; i++) expect(errorCode(await ask(alice, MiB))).toBe('none');
      const overQuota = await ask(alice, 1);
      expect(errorCode(overQuota)).toBe('BAD_USER_INPUT');
      expect(overQuota.errors?.[0]?.message).toMatch(/quota of 4 MiB/);
      // Bob's own rate: 25 tickets a minute.
      for (let i = 0; i < 25; i++) expect(errorCode(await ask(bob, 1))).toBe('none');
      expect(errorCode(await ask(bob, 1))).toBe('RATE_LIMITED');
    });

    it('a send takes only finished uploads of the sender into that conversation, each once, at most 10', async () => {
      const [alice, bob] = await people();
      const conversationId = await group(alice, bob);
      const other = await group(alice, bob);
      const bobs = await uploaded(server, bob, conversationId, 'b.txt', Buffer.from('bob'));
      const elsewhere = await uploaded(server, alice, other, 'o.txt', Buffer.from('other'));
      const unfinished = (
        await createUpload(server, alice, conversationId, {
          filename: 'u.txt',
          contentType: 'text/plain',
          size: 5,
        })
      ).data!.createUpload.id;
      const mine = await uploaded(server, alice, conversationId, 'm.txt', Buffer.from('mine'));
      for (const ids of [
        [bobs],
        [elsewhere],
        [unfinished],
        [mine, mine],
        ['not-an-id'],
        [crypto.randomUUID()],
      ]) {
        const refused = await sendFiles(server, alice, conversationId, 'x', ids);
        expect([errorCode(refused), refused.errors?.[0]?.extensions?.field]).toEqual([
          'BAD_USER_INPUT',
          'attachments',
        ]);
      }
      const eleven = Array.from({ length: 11 }, () => crypto.randomUUID());
      expect(errorCode(await sendFiles(server, alice, conversationId, 'x', eleven))).toBe('BAD_USER_INPUT');
      // Nothing was stored by the refusals: the upload is still free, and goes once.
      expect((await sent(alice, conversationId, 'once', [mine])).attachments).toHaveLength(1);
      expect(errorCode(await sendFiles(server, alice, conversationId, 'twice', [mine]))).toBe(
        'BAD_USER_INPUT',
      );
      // A retry with the same clientId answers the first message, its file included.
      const next = await uploaded(server, alice, conversationId, 'n.txt', Buffer.from('next'));
      const first = await sendFiles(server, alice, conversationId, 'retry', [next], 'client-1');
      const again = await sendFiles(server, alice, conversationId, 'retry', [next], 'client-1');
      expect(again.data!.sendMessage).toEqual(first.data!.sendMessage);
      // Text only with an empty body is still refused.
      expect(errorCode(await sendFiles(server, alice, conversationId, '', []))).toBe('BAD_USER_INPUT');
    });

    it('range requests answer 206 with the asked bytes, and 416 past the end', async () => {
      const [alice, bob] = await people();
      const conversationId = await group(alice, bob);
      const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
      const id = await uploaded(server, alice, conversationId, 'data.bin', bytes);
      const { attachments } = await sent(alice, conversationId, '', [id]);
      const part = await fetchFile(server, bob, attachments[0]!.url, { range: 'bytes=100-199' });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe('bytes 100-199/1000');
      expect(Buffer.from(await part.arrayBuffer())).toEqual(bytes.subarray(100, 200));
      const tail = await fetchFile(server, bob, attachments[0]!.url, { range: 'bytes=990-' });
      expect(Buffer.from(await tail.arrayBuffer())).toEqual(bytes.subarray(990));
      expect((await fetchFile(server, bob, attachments[0]!.url, { range: 'bytes=5000-' })).status).toBe(416);
    });

    it('deleting the message makes its URLs 404 at once and removes its objects from storage', async () => {
      const [alice, bob] = await people();
      const conversationId = await group(alice, bob);
      const id = await uploaded(server, alice, conversationId, 'IMG.jpg', await photoWithGps(), 'image/jpeg');
      const message = await sent(alice, conversationId, 'look', [id]);
      expect((await store.objects()).filter((key) => key.startsWith(id))).toHaveLength(3);
      const deleted = await deleteMessage(server, alice, message.id);
      expect(errorCode(deleted)).toBe('none');
      const [attachment] = message.attachments;
      for (const url of [attachment!.url, attachment!.thumbnailUrl!, attachment!.previewUrl!])
        expect((await fetchFile(server, bob, url)).status).toBe(404);
      await waitUntil(
        async () => !(await store.objects()).some((key) => key.startsWith(id)),
        'objects removed',
      );
    });

    it('uploads never sent are removed after a day (the server’s clock moved, not waited for)', async () => {
      const [alice, bob] = await people();
      const conversationId = await group(alice, bob);
      const id = await uploaded(server, alice, conversationId, 'draft.txt', Buffer.from('draft'));
      const kept = await uploaded(server, alice, conversationId, 'sent.txt', Buffer.from('sent'));
      await sent(alice, conversationId, '', [kept]);
      ahead = 2 * HOUR;
      try {
        // Not yet a day: still there.
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(await store.objects()).toContain(id);
        ahead = 25 * HOUR;
        await waitUntil(async () => !(await store.objects()).includes(id), 'the abandoned upload removed');
        expect(await store.objects()).toContain(kept);
        expect(errorCode(await sendFiles(server, alice, conversationId, '', [id]))).toBe('BAD_USER_INPUT');
      } finally {
        ahead = 0;
      }
    });

    it('an avatar is kept as its two squares only; one in use outlives the day that removes an unused one', async () => {
      const [alice, bob] = await people();
      const used = await avatarUploaded(server, alice, await photoWithGps());
      const unused = await avatarUploaded(server, alice, await photoWithGps());
      expect((await setAvatar(server, alice, { a: used })).data?.updateProfile.avatarUrl).toBe(`/files/avatars/${used}/256`);
      const squares = [`${used}.avatar-256.webp`, `${used}.avatar-64.webp`];
      const usedObjects = async () => (await store.objects()).filter((key) => key.startsWith(used)).sort();
      expect(await usedObjects()).toEqual(squares);
      const square = async () => {
        const response = await fetchFile(server, bob, `/files/avatars/${used}/64`);
        expect(response.status).toBe(200);
        const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
        expect([meta.format, meta.width, meta.height, meta.exif]).toEqual(['webp', 64, 64, undefined]);
      };
      await square();
      ahead = 25 * HOUR;
      try {
        await waitUntil(
          async () => !(await store.objects()).some((key) => key.startsWith(unused)),
          'the unused avatar upload removed',
        );
        expect(await usedObjects()).toEqual(squares);
        await square();
      } finally {
        ahead = 0;
      }
    });

    extra?.(() => ({
      server,
      moveClock: (ms) => (ahead = ms),
      group,
      ...store,
    }));
  });
}

export { MiB, putBytes };
