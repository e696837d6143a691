import { mkdtempSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { gql, PASSWORD, signup, type TestUser } from './support/clients.ts';
import { createGroup } from './support/conversations.ts';
import {
  avatarUploaded,
  createAvatarUpload,
  fetchFile,
  hasGps,
  putBytes,
  setAvatar,
  uploaded,
} from './support/files.ts';
import { useTestServer } from './support/harness.ts';

const MiB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'chat-avatars-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
const context = useTestServer({ env: { FILES_DIR: dir, MAX_UPLOAD_BYTES: String(MiB) } });
const server = () => context.server;

const RED = [220, 20, 20];
const GREEN = [20, 200, 20];
const BLUE = [20, 20, 220];

/** A 300×100 JPEG in three bands (red, green, blue) with a camera make and a GPS position in its EXIF. */
async function bandedPhoto() {
  const [width, height] = [300, 100];
  const raw = Buffer.alloc(width * height * 3);
  for (let x = 0; x < width; x++)
    for (let y = 0; y < height; y++) raw.set([RED, GREEN, BLUE][Math.floor(x / 100)]!, (y * width + x) * 3);
  const photo = await sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg()
    .withExif({ IFD0: { Make: 'SpyCam' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2400/100' } })
    .toBuffer();
  expect(await hasGps(photo)).toBe(true);
  return photo;
}

/** What storage holds of upload `id`. */
const stored = async (id: string) => (await readdir(dir)).filter((name) => name.startsWith(id)).sort();

/** `user`'s avatar URL as `viewer` reads it. */
async function avatarUrlOf(viewer: TestUser, user: TestUser, size?: number): Promise<string | null> {
  const result = await gql<{ usersById: Array<{ avatarUrl: string | null }> }>(
    server(),
    'query ($ids: [ID!]!, $size: Int) { usersById(ids: $ids) { avatarUrl(size: $size) } }',
    { ids: [user.id], size },
    { token: viewer.token },
  );
  return result.data!.usersById[0]!.avatarUrl;
}

const idOf = (url: string) => /\/files\/avatars\/([0-9a-f-]{36})\/\d+$/.exec(url)![1]!;

const refusal = (result: { errors?: Array<{ extensions?: Record<string, unknown> }> }) => result.errors?.[0]?.extensions;

describe('avatars', () => {
  it('crops a photo square around its centre into 64 and 256 px WebP without metadata, which anyone signed in may load', async () => {
    const [alice, stranger] = await Promise.all([signup(server()), signup(server())]);
    const id = await avatarUploaded(server(), alice, await bandedPhoto());
    const result = await setAvatar(server(), alice, { a: id });
    expect(result.errors).toBeUndefined();
    const url = result.data!.updateProfile.avatarUrl!;
    expect(url).toBe(`/files/avatars/${id}/256`);
    // Only the squares are kept: the original, metadata and all, is gone.
    expect(await stored(id)).toEqual([`${id}.avatar-256.webp`, `${id}.avatar-64.webp`]);

    // Someone who shares no conversation with Alice sees it; the smallest size at least as large as asked.
    expect(await avatarUrlOf(stranger, alice)).toBe(url);
    expect(await avatarUrlOf(stranger, alice, 40)).toBe(`/files/avatars/${id}/64`);
    for (const edge of [64, 256]) {
      const response = await fetchFile(server(), stranger, `/files/avatars/${id}/${edge}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/webp');
      expect(response.headers.get('cache-control')).toBe('private, max-age=3600');
      const bytes = Buffer.from(await response.arrayBuffer());
      const meta = await sharp(bytes).metadata();
      expect([meta.format, meta.width, meta.height, meta.exif, meta.xmp, meta.iptc]).toEqual(['webp', edge, edge, undefined, undefined, undefined]);
      expect(bytes.includes('SpyCam')).toBe(false);
      // The middle band fills the square from edge to edge.
      const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      for (const x of [Math.round(edge * 0.1), Math.round(edge * 0.9)]) {
        const at = (Math.round(edge / 2) * info.width + x) * 3;
        const [r, g, b] = data.subarray(at, at + 3);
        expect(g! > 150 && r! < 80 && b! < 80, `pixel ${x}: ${r},${g},${b}`).toBe(true);
      }
    }
    expect((await fetchFile(server(), null, url)).status).toBe(404);
    expect((await fetchFile(server(), stranger, `/files/avatars/${id}/128`)).status).toBe(404);
  });

  it('replaces and removes an avatar, removing the old one’s files from storage', async () => {
    const [alice, bob] = await Promise.all([signup(server()), signup(server())]);
    const first = await avatarUploaded(server(), alice, await bandedPhoto());
    expect(refusal(await setAvatar(server(), alice, { a: first }))).toBeUndefined();
    const second = await avatarUploaded(server(), alice, await bandedPhoto());
    const replaced = await setAvatar(server(), alice, { a: second });
    expect(replaced.data!.updateProfile.avatarUrl).toBe(`/files/avatars/${second}/256`);
    expect(await stored(first)).toEqual([]);
    expect((await fetchFile(server(), bob, `/files/avatars/${first}/256`)).status).toBe(404);
    expect(await avatarUrlOf(bob, alice)).toBe(`/files/avatars/${second}/256`);

    const removed = await setAvatar(server(), alice, { r: true });
    expect(removed.data!.updateProfile.avatarUrl).toBeNull();
    expect(await stored(second)).toEqual([]);
    expect((await fetchFile(server(), bob, `/files/avatars/${second}/256`)).status).toBe(404);
    expect(await avatarUrlOf(bob, alice)).toBeNull();
  });

  it('refuses what is not a finished image uploaded by the viewer as an avatar, changing nothing', async () => {
    const [alice, mallory] = await Promise.all([signup(server()), signup(server())]);
    await setAvatar(server(), alice, { n: 'Alice' });
    const current = await avatarUploaded(server(), alice, await bandedPhoto());
    expect(refusal(await setAvatar(server(), alice, { a: current }))).toBeUndefined();

    const notImage = await avatarUploaded(server(), alice, Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'image/png');
    const broken = await avatarUploaded(server(), alice, Buffer.concat([(await bandedPhoto()).subarray(0, 200), Buffer.alloc(100)]));
    const malloryUpload = await avatarUploaded(server(), mallory, await bandedPhoto());
    const pending = (await createAvatarUpload(server(), alice, { filename: 'me.jpg', contentType: 'image/jpeg', size: 1000 })).data!.createAvatarUpload.id;
    const group = await createGroup(server(), alice, 'Photos', [mallory]);
    const attachment = await uploaded(server(), alice, group.id, 'photo.jpg', await bandedPhoto(), 'image/jpeg');
    // More bytes than the ticket declared: the PUT is refused and nothing is kept.
    const small = (await createAvatarUpload(server(), alice, { filename: 'me.jpg', contentType: 'image/jpeg', size: 100 })).data!.createAvatarUpload;
    expect((await putBytes(server(), small, await bandedPhoto())).status).toBe(413);

    for (const bad of [notImage, broken, malloryUpload, pending, attachment, small.id, current, 'not-an-id', '00000000-0000-0000-0000-000000000000']) {
      const result = await setAvatar(server(), alice, { a: bad, n: 'Changed' });
      expect(refusal(result), bad).toMatchObject({ code: 'BAD_USER_INPUT', field: 'avatarUploadId' });
    }
    expect(refusal(await setAvatar(server(), alice, { a: current, r: true }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'removeAvatar' });
    // Too large to be asked for at all.
    const tooLarge = await createAvatarUpload(server(), alice, { filename: 'me.jpg', contentType: 'image/jpeg', size: MiB + 1 });
    expect(refusal(tooLarge)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'size' });

    const me = await gql(server(), '{ me { displayName avatarUrl } }', {}, { token: alice.token });
    expect(me.data).toEqual({ me: { displayName: 'Alice', avatarUrl: `/files/avatars/${current}/256` } });
    expect(await stored(notImage)).toEqual([]);
  });

  it('usersById answers people in the order asked, null for no one, at most 100 at once', async () => {
    const [alice, bob] = await Promise.all([signup(server()), signup(server())]);
    const ask = (ids: string[]) =>
      gql<{ usersById: Array<{ username: string } | null> }>(server(), 'query ($ids: [ID!]!) { usersById(ids: $ids) { username } }', { ids }, { token: bob.token });
    expect((await ask(['x', alice.id, '0', bob.id, '99999999999'])).data).toEqual({
      usersById: [null, { username: alice.username }, null, { username: bob.username }, null],
    });
    const tooMany = await ask(Array.from({ length: 101 }, () => alice.id));
    expect(refusal(tooMany)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'ids' });
  });

  it('is removed with the account, its files gone from storage', async () => {
    const [alice, bob] = await Promise.all([signup(server()), signup(server())]);
    const id = await avatarUploaded(server(), alice, await bandedPhoto());
    const url = (await setAvatar(server(), alice, { a: id })).data!.updateProfile.avatarUrl!;
    expect(idOf(url)).toBe(id);
    const deleted = await gql(server(), 'mutation ($p: String!) { deleteAccount(password: $p, eraseMessages: false) }', { p: PASSWORD }, { token: alice.token });
    expect(deleted.data).toEqual({ deleteAccount: true });
    expect(await stored(id)).toEqual([]);
    expect((await fetchFile(server(), bob, url)).status).toBe(404);
    expect(await avatarUrlOf(bob, alice)).toBeNull();
  });
});
