import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { signup } from './support/clients.ts';
import { errorCode, send } from './support/conversations.ts';
import { createUpload, sendFiles, uploaded } from './support/files.ts';
import { describeFiles, HOUR, MiB, putBytes } from './support/files-suite.ts';

let dir = '';
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describeFiles(
  'local storage, the default',
  async () => {
    dir = await mkdtemp(join(tmpdir(), 'chat-files-'));
    const objects = async () => [
      ...(await readdir(dir)).filter((name) => name !== 'partial'),
      ...(await readdir(join(dir, 'partial'))).map((name) => `partial/${name}`),
    ];
    return { env: { FILES_DIR: dir }, objects };
  },
  (context) => {
    const ticketFor = async (size: number) => {
      const { server, group } = context();
      const alice = await signup(server);
      const conversationId = await group(alice, await signup(server));
      const result = await createUpload(server, alice, conversationId, {
        filename: 'f.bin',
        contentType: 'application/octet-stream',
        size,
      });
      return result.data!.createUpload;
    };

    it('a PUT is streamed and cut off with 413 once it passes its declared size; nothing partial is kept', async () => {
      const { server, objects } = context();
      const ticket = await ticketFor(1000);
      // No Content-Length: the server finds out while streaming.
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          sent += 64 * 1024;
          if (sent > 8 * MiB) controller.close();
          else controller.enqueue(new Uint8Array(64 * 1024));
        },
      });
      const response = await fetch(new URL(ticket.url, server.url), {
        method: 'PUT',
        headers: Object.fromEntries(ticket.headers.map(({ name, value }) => [name, value])),
        body,
        duplex: 'half',
      } as RequestInit);
      expect(response.status).toBe(413);
      expect(sent).toBeLessThan(8 * MiB);
      expect((await objects()).filter((key) => key.includes(ticket.id))).toEqual([]);
      // A declared Content-Length over the ticket's size is refused before a byte is read.
      const declared = await putBytes(server, ticket, new Uint8Array(1001));
      expect(declared.status).toBe(413);
      // The ticket still takes the right bytes.
      expect((await putBytes(server, ticket, new Uint8Array(1000))).status).toBe(204);
      expect((await putBytes(server, ticket, new Uint8Array(1000))).status).toBe(409);
    });

    it('old clients see each attachment as a link line after the body in /api/messages history', async () => {
      const { server } = context();
      const [alice, bob] = [await signup(server), await signup(server)];
      const direct = await send(server, alice, bob, 'hi');
      const id = await uploaded(
        server,
        alice,
        direct.conversation.id,
        'notes.pdf',
        Buffer.from('%PDF-1.4\n'),
      );
      expect(errorCode(await sendFiles(server, alice, direct.conversation.id, 'see attached', [id]))).toBe(
        'none',
      );
      const response = await fetch(`${server.url}/api/messages/${alice.username}/${bob.username}/`, {
        headers: { authorization: `Bearer ${bob.token}` },
      });
      const { messages } = (await response.json()) as { messages: Array<{ message: string }> };
      expect(messages.map((message) => message.message)).toEqual([
        'hi',
        `see attached\n📎 notes.pdf: /files/${id}`,
      ]);
    });

    it('an expired ticket answers 410, a wrong token 404', async () => {
      const { server, moveClock } = context();
      const ticket = await ticketFor(10);
      const forged = {
        ...ticket,
        headers: ticket.headers.map((h) => (h.name === 'x-upload-token' ? { ...h, value: 'guess' } : h)),
      };
      expect((await putBytes(server, forged, new Uint8Array(10))).status).toBe(404);
      moveClock(HOUR + 1000);
      try {
        expect((await putBytes(server, ticket, new Uint8Array(10))).status).toBe(410);
      } finally {
        moveClock(0);
      }
    });
  },
);
