import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { parse as parseRange } from 'range-parser';
import { AVATAR_HEADERS, UploadRefused } from '../../modules/files/files.ts';
import { UPLOAD_TOKEN_HEADER } from '../../modules/files/local-storage.ts';
import { AVATAR_EDGES, type FileVariant } from '../../modules/files/storage.ts';
import type { Services } from '../../modules/services.ts';
import { sessionToken } from './session-cookie.ts';

/** A file is never a page: no scripts, no plugins, no forms, whatever its bytes are. */
const FILE_CONTENT_SECURITY_POLICY =
  "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox";

type FileRequest = FastifyRequest<{ Params: { id: string } }>;

/**
 * Files over HTTP: `PUT /files/uploads/:id` takes an upload's bytes (FILE_STORAGE=local), and
 * `GET /files/:id` (its `/thumbnail` and `/preview` for images) answers a file to whoever may
 * have it now, with ranges, or redirects to the store's presigned GET (FILE_STORAGE=s3).
 * Everyone else gets 404, whatever URL they kept. `GET /files/avatars/:id/:edge` answers an
 * avatar's square to anyone signed in while it is someone's avatar.
 */
export const fileRoutes =
  (services: Services): FastifyPluginAsync =>
  (server) => {
    // The upload's body is streamed to storage by the handler, never parsed or buffered here.
    server.removeAllContentTypeParsers();
    server.addContentTypeParser('*', (_request, _payload, done) => done(null));

    server.put('/files/uploads/:id', async (request: FileRequest, reply) => {
      const length = request.headers['content-length'];
      const token = request.headers[UPLOAD_TOKEN_HEADER];
      try {
        await services.files.receive(
          request.params.id,
          typeof token === 'string' ? token : undefined,
          length === undefined ? null : Number(length),
          request.raw,
        );
      } catch (error) {
        if (!(error instanceof UploadRefused)) throw error;
        // The rest of the body is not read: the connection ends after this answer.
        if (!request.raw.readableEnded) void reply.header('connection', 'close');
        return reply.status(error.status).send({ error: error.message });
      }
      return reply.status(204).send();
    });

    const download = (variant: FileVariant) => async (request: FileRequest, reply: FastifyReply) => {
      const viewer = await services.sessions.authenticate(sessionToken(request));
      const found = await services.files.download(viewer, request.params.id, variant);
      void reply
        .header('cache-control', 'private, no-cache')
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', FILE_CONTENT_SECURITY_POLICY);
      if (!found) return reply.status(404).send({ error: 'There is no such file.' });
      if (found.download.kind === 'redirect') return reply.redirect(found.download.url, 302);
      const { size, open } = found.download;
      void reply
        .header('content-type', found.contentType)
        .header('content-disposition', found.contentDisposition)
        .header('accept-ranges', 'bytes');
      const asked = request.headers.range === undefined ? null : parseRange(size, request.headers.range);
      if (asked?.type === 'bytes' && asked.ranges.length === 0 && asked.code & 2)
        return reply.status(416).header('content-range', `bytes */${size}`).send();
      // One range is answered as asked; several (rare) or a malformed header get the whole file.
      if (asked?.type === 'bytes' && asked.code === 0 && asked.ranges.length === 1) {
        const { start, end } = asked.ranges[0]!;
        return reply
          .status(206)
          .header('content-range', `bytes ${start}-${end}/${size}`)
          .header('content-length', end - start + 1)
          .send(open({ start, end }));
      }
      return reply.header('content-length', size).send(open());
    };
    server.get('/files/avatars/:id/:edge', async (request: FastifyRequest<{ Params: { id: string; edge: string } }>, reply) => {
      const viewer = await services.sessions.authenticate(sessionToken(request));
      const edge = AVATAR_EDGES.find((known) => String(known) === request.params.edge);
      const found = edge && (await services.files.avatarDownload(viewer, request.params.id, edge));
      // A new avatar is a new upload id: what a URL answers never changes, only whether it answers.
      void reply
        .header('cache-control', 'private, max-age=3600')
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', FILE_CONTENT_SECURITY_POLICY);
      if (!found) return reply.status(404).send({ error: 'There is no such avatar.' });
      if (found.kind === 'redirect') return reply.redirect(found.url, 302);
      return reply
        .header('content-type', AVATAR_HEADERS.contentType)
        .header('content-disposition', AVATAR_HEADERS.contentDisposition)
        .header('content-length', found.size)
        .send(found.open());
    });
    server.get('/files/:id', download('original'));
    server.get('/files/:id/thumbnail', download('thumbnail'));
    server.get('/files/:id/preview', download('preview'));
    return Promise.resolve();
  };
