import type { AttachmentView } from '../../domain/messages.ts';
import { builder } from '../../graphql/builder.ts';
import { perRequest } from '../../graphql/loaders.ts';
import type { MaxItems } from '../../graphql/query-cost.ts';
import { Message } from '../messages/messages.graphql.ts';
import { MAX_ATTACHMENTS, type UploadTicket as Ticket } from './files.ts';

const HttpHeader = builder.objectRef<{ name: string; value: string }>('HttpHeader').implement({
  description: 'A header to send with a request.',
  fields: (t) => ({ name: t.exposeString('name'), value: t.exposeString('value') }),
});

const UploadTicket = builder.objectRef<Ticket>('UploadTicket').implement({
  description:
    'Where to PUT a file’s bytes: our server (local storage) or a presigned URL of the S3-compatible store. Then pass `id` in `sendMessage(attachments:)` (or, for an avatar, `updateProfile(avatarUploadId:)`).',
  fields: (t) => ({
    id: t.exposeID('id'),
    url: t.exposeString('url', { description: 'PUT the bytes here; a path is on this server.' }),
    headers: t.field({
      type: [HttpHeader],
      description: 'Send these with the PUT.',
      extensions: { maxItems: 4 satisfies MaxItems },
      resolve: (ticket) => ticket.headers,
    }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
  }),
});

const Attachment = builder.objectRef<AttachmentView>('Attachment').implement({
  description: 'A file sent with a message. Its URLs check the session and membership on every request.',
  fields: (t) => ({
    id: t.exposeID('id'),
    filename: t.exposeString('filename'),
    contentType: t.exposeString('contentType', { description: 'As sniffed from the bytes, not as claimed.' }),
    size: t.exposeInt('size', { description: 'Bytes, as stored (an image after re-encoding).' }),
    width: t.exposeInt('width', {
      nullable: true,
      description: 'Images only, after orientation is applied.',
    }),
    height: t.exposeInt('height', { nullable: true }),
    url: t.string({
      description: 'The download (a path on this server).',
      resolve: ({ id }) => `/files/${id}`,
    }),
    thumbnailUrl: t.string({
      nullable: true,
      description: 'Images only: a WebP about 400 px on its longer side.',
      resolve: ({ id, thumbnails }) => (thumbnails ? `/files/${id}/thumbnail` : null),
    }),
    previewUrl: t.string({
      nullable: true,
      description: 'Images only: a WebP about 1600 px on its longer side.',
      resolve: ({ id, thumbnails }) => (thumbnails ? `/files/${id}/preview` : null),
    }),
  }),
});

builder.objectField(Message, 'attachments', (t) =>
  t.field({
    type: [Attachment],
    description: 'Its files, in the order they were attached; none once deleted.',
    extensions: { maxItems: MAX_ATTACHMENTS satisfies MaxItems },
    resolve: (message, _args, context) =>
      message.attachments ??
      perRequest(context, 'attachments', async (ids: readonly string[]) => {
        const attachments = await context.services.details.attachments(ids);
        return ids.map((id) => attachments.get(id) ?? []);
      }).load(message.id),
  }),
);

builder.mutationFields((t) => ({
  createUpload: t.withAuth({ signedIn: true }).field({
    type: UploadTicket,
    description:
      'Asks to upload a file into a conversation of yours: checks the size (MAX_UPLOAD_BYTES), your quota and rate, and answers a ticket valid for an hour.',
    args: {
      conversationId: t.arg.id({ required: true }),
      filename: t.arg.string({ required: true }),
      contentType: t.arg.string({ required: true }),
      size: t.arg.int({ required: true }),
    },
    resolve: (_root, args, context) =>
      context.services.files.createUpload(
        context.viewer,
        String(args.conversationId),
        args.filename,
        args.contentType,
        args.size,
      ),
  }),
  createAvatarUpload: t.withAuth({ signedIn: true }).field({
    type: UploadTicket,
    description:
      'Asks to upload an avatar, as `createUpload` does a file but with no conversation: PUT the image, then pass `id` in `updateProfile(avatarUploadId:)`.',
    args: {
      filename: t.arg.string({ required: true }),
      contentType: t.arg.string({ required: true }),
      size: t.arg.int({ required: true }),
    },
    resolve: (_root, args, context) =>
      context.services.files.createAvatarUpload(context.viewer, args.filename, args.contentType, args.size),
  }),
}));
