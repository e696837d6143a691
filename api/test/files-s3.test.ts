import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { afterAll, expect, it } from 'vitest';
import { signup } from './support/clients.ts';
import { errorCode } from './support/conversations.ts';
import { createUpload, fetchFile, putBytes, sendFiles, uploaded } from './support/files.ts';
import { describeFiles } from './support/files-suite.ts';

/**
 * The same rules against an S3-compatible store: s3rver, an S3-protocol server in Node that this
 * test starts on a port of its own (the only S3 server installable here; it does not check
 * signatures or Content-Length, so what S3 would enforce is enforced by our own code too).
 */
const BUCKET = 'chat-files';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
let s3rver: S3rver | undefined;
let dir = '';
let client: S3Client | undefined;
let endpoint = '';

afterAll(async () => {
  client?.destroy();
  await s3rver?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describeFiles(
  'an S3-compatible store',
  async () => {
    dir = await mkdtemp(join(tmpdir(), 'chat-s3-'));
    s3rver = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: dir,
      configureBuckets: [{ name: BUCKET }],
    });
    const { port } = await s3rver.run();
    endpoint = `http://127.0.0.1:${port}`;
    client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: CREDENTIALS });
    const objects = async () =>
      ((await client!.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents ?? []).map(
        ({ Key }) => Key!,
      );
    return {
      env: {
        FILE_STORAGE: 's3',
        S3_ENDPOINT: endpoint,
        S3_BUCKET: BUCKET,
        S3_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
        S3_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
        S3_FORCE_PATH_STYLE: 'true',
      },
      objects,
    };
  },
  (context) => {
    it('the ticket is a presigned PUT to the store, and a download redirects to a presigned GET valid 5 minutes', async () => {
      const { server, group } = context();
      const [alice, bob] = [await signup(server), await signup(server)];
      const conversationId = await group(alice, bob);
      const ticket = (
        await createUpload(server, alice, conversationId, {
          filename: 'a.txt',
          contentType: 'text/plain',
          size: 5,
        })
      ).data!.createUpload;
      const put = new URL(ticket.url);
      expect([put.origin, put.searchParams.get('X-Amz-Expires')]).toEqual([endpoint, '3600']);
      expect((await putBytes(server, ticket, Buffer.from('hello'))).status).toBe(200);
      const { attachments } = (await sendFiles(server, alice, conversationId, '', [ticket.id])).data!
        .sendMessage;
      const response = await fetch(new URL(attachments[0]!.url, server.url), {
        headers: { authorization: `Bearer ${bob.token}` },
        redirect: 'manual',
      });
      expect(response.status).toBe(302);
      const location = new URL(response.headers.get('location')!);
      expect([location.origin, location.searchParams.get('X-Amz-Expires')]).toEqual([put.origin, '300']);
      expect(await (await fetchFile(server, bob, attachments[0]!.url)).text()).toBe('hello');
    });

    it('an object larger than its ticket declared is refused at send and removed from the store', async () => {
      const { server, group, objects } = context();
      const [alice, bob] = [await signup(server), await signup(server)];
      const conversationId = await group(alice, bob);
      const ticket = (
        await createUpload(server, alice, conversationId, {
          filename: 'a.bin',
          contentType: 'application/octet-stream',
          size: 10,
        })
      ).data!.createUpload;
      expect((await putBytes(server, ticket, new Uint8Array(5000))).status).toBe(200);
      const refused = await sendFiles(server, alice, conversationId, '', [ticket.id]);
      expect(errorCode(refused)).toBe('BAD_USER_INPUT');
      expect(await objects()).not.toContain(ticket.id);
      const fine = await uploaded(server, alice, conversationId, 'b.bin', new Uint8Array(10));
      expect(errorCode(await sendFiles(server, alice, conversationId, '', [fine]))).toBe('none');
    });
  },
);
