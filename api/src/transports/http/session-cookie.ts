import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SessionCarrier } from '../../graphql/context.ts';

/** The original chat's cookie name, so its clients keep working. */
export const SESSION_COOKIE = 'sessionid';

/** The session token of a request: `Authorization: Bearer …` first, else the cookie. */
export function sessionToken(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization?.startsWith('Bearer ')) return authorization.slice('Bearer '.length).trim();
  return request.cookies[SESSION_COOKIE];
}

export function cookieSessionCarrier(
  request: FastifyRequest,
  reply: FastifyReply,
  maxAgeMs: number,
): SessionCarrier {
  const options = {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: request.protocol === 'https',
  } as const;
  return {
    issue: (token) =>
      void reply.setCookie(SESSION_COOKIE, token, { ...options, maxAge: Math.floor(maxAgeMs / 1000) }),
    clear: () => void reply.clearCookie(SESSION_COOKIE, options),
  };
}
