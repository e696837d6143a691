import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fastifyFormbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import escapeHtml from 'escape-html';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, badInput } from '../../domain/errors.ts';
import type { Services } from '../../modules/services.ts';
import type { OriginCheck } from '../http/origins.ts';
import { cookieSessionCarrier, sessionToken } from '../http/session-cookie.ts';

const ERRORS_MARKER = '<!--form-errors-->';

type PageName = 'chat' | 'login' | 'signup';
const pageFiles: Record<PageName, string> = {
  chat: 'index.html',
  login: 'login/index.html',
  signup: 'signup/index.html',
};

/** Form fields arrive as strings, or (from JSON or repeated fields) as anything; only strings count. */
const field = (body: unknown, name: string): string => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
};

/**
 * Only a same-site path: `//host` and `/\host` would leave the site (an open redirect). A Location
 * header must be ASCII, so anything else is percent-encoded (as UTF-8, as a browser would).
 */
const safeNext = (next: string) => {
  if (!/^\/(?![/\\])[^\\\s]*$/.test(next)) return '/';
  try {
    return next.replace(/[^\x21-\x7e]+/g, encodeURIComponent);
  } catch {
    return '/'; // a lone surrogate has no UTF-8 form
  }
};

function renderErrors(template: string, messages: string[]) {
  if (messages.length === 0) return template;
  const items = messages.map((message) => `<li>${escapeHtml(message)}</li>`).join('');
  return template.replace(ERRORS_MARKER, `<ul class="form-errors" role="alert">${items}</ul>`);
}

/**
 * The original chat's pages and form endpoints: `/`, `/login/`, `/signup/`,
 * `/logout/`, plus the web client's static assets. The pages are the web
 * client's built HTML; a failed form post gets the page back with the errors
 * written in, so the forms work without JavaScript.
 */
export const compatPages =
  (deps: {
    services: Services;
    originAllowed: OriginCheck;
    webDistDir: string;
    sessionMaxAgeMs: number;
  }): FastifyPluginAsync =>
  async (server) => {
    const { services, originAllowed } = deps;
    const distDir = resolve(deps.webDistDir);
    const built = existsSync(join(distDir, pageFiles.chat));
    if (!built)
      services.log.warn({ distDir }, 'the web client is not built (npm run build); pages answer 503');
    const pages = built
      ? (Object.fromEntries(
          Object.entries(pageFiles).map(([name, file]) => [name, readFileSync(join(distDir, file), 'utf8')]),
        ) as Record<PageName, string>)
      : undefined;

    const sendPage = (reply: FastifyReply, name: PageName, status = 200, errors: string[] = []) => {
      if (!pages)
        return reply.status(503).type('text/plain').send('The web client is not built: run `npm run build`.');
      // no-store: Back after a logout must not show a signed-in page from the cache.
      return reply
        .status(status)
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(renderErrors(pages[name], errors));
    };

    /** A failed form post: the page again with the error; 429/503 keep their status (and Retry-After). */
    const sendFormError = (reply: FastifyReply, name: PageName, error: unknown) => {
      if (!(error instanceof AppError)) throw error;
      const status = error.code === 'RATE_LIMITED' || error.code === 'UNAVAILABLE' ? error.httpStatus : 200;
      if (error.details.retryAfterSeconds)
        void reply.header('retry-after', String(error.details.retryAfterSeconds));
      return sendPage(reply, name, status, [error.message]);
    };

    const refuseForeignOrigin = async (request: FastifyRequest, reply: FastifyReply) => {
      if (!originAllowed(request)) {
        await reply.status(403).type('text/plain').send('Forbidden: this form was posted from another site.');
      }
    };

    await server.register(fastifyFormbody);
    if (built) {
      await server.register(fastifyStatic, { root: distDir, index: false, wildcard: true });
    }

    // The chat, and the address of each conversation in it (`/c/<id>`: reload and bookmarks).
    const chatPage = async (request: FastifyRequest, reply: FastifyReply) => {
      const viewer = await services.sessions.authenticate(sessionToken(request));
      if (viewer) return sendPage(reply, 'chat');
      const next = safeNext(request.url.split('?')[0]!).replace(/[&#+]/g, encodeURIComponent);
      return reply.redirect(`/login/?next=${next}`, 302);
    };
    server.get('/', chatPage);
    server.get('/c/*', chatPage);
    server.get('/login/', (_request, reply) => sendPage(reply, 'login'));
    server.get('/signup/', (_request, reply) => sendPage(reply, 'signup'));

    server.post('/login/', { preHandler: refuseForeignOrigin }, async (request, reply) => {
      const query = request.query as Record<string, unknown>;
      try {
        const { token } = await services.accounts.login({
          username: field(request.body, 'username'),
          password: field(request.body, 'password'),
          address: request.ip,
          userAgent: request.headers['user-agent'],
        });
        cookieSessionCarrier(request, reply, deps.sessionMaxAgeMs).issue(token);
        return reply.redirect(safeNext(field(request.body, 'next') || field(query, 'next')), 302);
      } catch (error) {
        return sendFormError(reply, 'login', error);
      }
    });

    server.post('/signup/', { preHandler: refuseForeignOrigin }, async (request, reply) => {
      try {
        const password = field(request.body, 'password1');
        if (password !== field(request.body, 'password2')) {
          throw badInput('password2', 'The two password fields didn’t match.');
        }
        await services.accounts.register({
          username: field(request.body, 'username'),
          email: field(request.body, 'email'),
          password,
          address: request.ip,
        });
        return reply.redirect('/login/', 302);
      } catch (error) {
        return sendFormError(reply, 'signup', error);
      }
    });

    const logOut = async (request: FastifyRequest, reply: FastifyReply) => {
      const viewer = await services.sessions.authenticate(sessionToken(request));
      if (viewer) await services.sessions.end(viewer);
      cookieSessionCarrier(request, reply, deps.sessionMaxAgeMs).clear();
      return reply.redirect('/login/', 302);
    };
    server.post('/logout/', { preHandler: refuseForeignOrigin }, logOut);
    // Old clients log out with a link, or a script with a cookie jar. A link on another site must not
    // end the session, so a browser's GET counts only when it says it comes from our own pages;
    // otherwise it just goes to the chat, still signed in.
    server.get('/logout/', (request, reply) =>
      originAllowed(request, { navigation: true }) ? logOut(request, reply) : reply.redirect('/', 302),
    );
  };
