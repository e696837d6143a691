import sharp from 'sharp';
import { gql, type TestUser } from './clients.ts';
import type { TestServer } from './server.ts';

type Server = Pick<TestServer, 'url'>;

export const ATTACHMENT_FIELDS = 'id filename contentType size width height url thumbnailUrl previewUrl';

export interface WireAttachment {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  width: number | null;
  height: number | null;
  url: string;
  thumbnailUrl: string | null;
  previewUrl: string | null;
}

export interface Ticket {
  id: string;
  url: string;
  headers: Array<{ name: string; value: string }>;
  expiresAt: string;
}

export const createUpload = (
  server: Server,
  viewer: TestUser,
  conversationId: string,
  file: { filename: string; contentType: string; size: number },
) =>
  gql<{ createUpload: Ticket }>(
    server,
    `mutation ($conversationId: ID!, $filename: String!, $contentType: String!, $size: Int!) {
      createUpload(conversationId: $conversationId, filename: $filename, contentType: $contentType, size: $size) {
        id url headers { name value } expiresAt
      }
    }`,
    { conversationId, ...file },
    { token: viewer.token },
  );

/** PUTs bytes as a client does: to the ticket's URL (a path is on our server), with its headers. */
export const putBytes = (server: Server, ticket: Ticket, bytes: Uint8Array<ArrayBuffer>) =>
  fetch(new URL(ticket.url, server.url), {
    method: 'PUT',
    headers: Object.fromEntries(ticket.headers.map(({ name, value }) => [name, value])),
    body: bytes,
  });

/** The whole first step: a ticket, then the bytes; answers the upload's id. */
export async function uploaded(
  server: Server,
  viewer: TestUser,
  conversationId: string,
  filename: string,
  bytes: Uint8Array<ArrayBuffer>,
  contentType = 'application/octet-stream',
): Promise<string> {
  const result = await createUpload(server, viewer, conversationId, {
    filename,
    contentType,
    size: bytes.length,
  });
  if (!result.data) throw new Error(`createUpload failed: ${JSON.stringify(result.errors)}`);
  const response = await putBytes(server, result.data.createUpload, bytes);
  if (!response.ok) throw new Error(`PUT failed: ${response.status} ${await response.text()}`);
  return result.data.createUpload.id;
}

export const sendFiles = (
  server: Server,
  viewer: TestUser,
  conversationId: string,
  body: string,
  ids: string[],
  clientId?: string,
) =>
  gql<{ sendMessage: { id: string; body: string; attachments: WireAttachment[] } }>(
    server,
    `mutation ($conversationId: ID!, $body: String!, $ids: [ID!], $clientId: String) {
      sendMessage(conversationId: $conversationId, body: $body, attachments: $ids, clientId: $clientId) {
        id body attachments { ${ATTACHMENT_FIELDS} }
      }
    }`,
    { conversationId, body, ids, clientId },
    { token: viewer.token },
  );

/** A GET of a file URL as `viewer` (or with no session), following a redirect to the store. */
export const fetchFile = (
  server: Server,
  viewer: TestUser | null,
  path: string,
  headers: Record<string, string> = {},
) =>
  fetch(new URL(path, server.url), {
    headers: { ...headers, ...(viewer && { authorization: `Bearer ${viewer.token}` }) },
  });

/** A phone photo: 300×200 pixels stored sideways (EXIF orientation 6), with a camera make and a GPS position. */
export const photoWithGps = () =>
  sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 200, g: 30, b: 30 } } })
    .jpeg()
    .withMetadata({ orientation: 6 })
    .withExif({ IFD0: { Make: 'SpyCam' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2400/100' } })
    .toBuffer();

/** Whether bytes carry an EXIF GPS block (its IFD pointer tag, 0x8825, in either byte order). */
export async function hasGps(bytes: Buffer): Promise<boolean> {
  const { exif } = await sharp(bytes).metadata();
  return !!exif && (exif.includes(Buffer.from([0x88, 0x25])) || exif.includes(Buffer.from([0x25, 0x88])));
}

export const createAvatarUpload = (
  server: Server,
  viewer: TestUser,
  file: { filename: string; contentType: string; size: number },
) =>
  gql<{ createAvatarUpload: Ticket }>(
    server,
    `mutation ($filename: String!, $contentType: String!, $size: Int!) {
      createAvatarUpload(filename: $filename, contentType: $contentType, size: $size) { id url headers { name value } expiresAt }
    }`,
    file,
    { token: viewer.token },
  );

/** An avatar's ticket and its bytes PUT; answers the upload's id. */
export async function avatarUploaded(server: Server, viewer: TestUser, bytes: Uint8Array<ArrayBuffer>, contentType = 'image/jpeg') {
  const result = await createAvatarUpload(server, viewer, { filename: 'me.jpg', contentType, size: bytes.length });
  if (!result.data) throw new Error(`createAvatarUpload failed: ${JSON.stringify(result.errors)}`);
  const response = await putBytes(server, result.data.createAvatarUpload, bytes);
  if (!response.ok) throw new Error(`PUT failed: ${response.status} ${await response.text()}`);
  return result.data.createAvatarUpload.id;
}

export const setAvatar = (server: Server, viewer: TestUser, variables: { a?: string; r?: boolean; n?: string }) =>
  gql<{ updateProfile: { displayName: string; avatarUrl: string | null } }>(
    server,
    'mutation ($a: ID, $r: Boolean, $n: String) { updateProfile(avatarUploadId: $a, removeAvatar: $r, displayName: $n) { displayName avatarUrl } }',
    variables,
    { token: viewer.token },
  );
