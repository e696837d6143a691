import type { FastifyRequest } from 'fastify';

/**
 * Whether a request may act with the cookie it carries: it comes from the
 * server's own origin or one configured in ALLOWED_ORIGINS. Browsers always say
 * where a WebSocket or form post comes from; a request that names no origin
 * at all is from a script or bot, which no third-party page can drive.
 * A GET navigation is different: browsers send no Origin with it, and strip the
 * Referer from some cross-site links, so an action on GET passes `required`, and
 * then only a request that names our origin (or `Sec-Fetch-Site: same-origin`) passes.
 */
export function createOriginCheck(allowedOrigins: readonly string[]) {
  const allowed = new Set(allowedOrigins.map((origin) => origin.replace(/\/$/, '')));
  return (request: FastifyRequest, options: { required?: boolean } = {}): boolean => {
    const claimed = request.headers.origin ?? refererOrigin(request.headers.referer);
    if (claimed === undefined)
      return !options.required || request.headers['sec-fetch-site'] === 'same-origin';
    return claimed === `${request.protocol}://${request.host}` || allowed.has(claimed);
  };
}

function refererOrigin(referer: string | undefined): string | undefined {
  if (referer === undefined) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return 'null';
  }
}

export type OriginCheck = ReturnType<typeof createOriginCheck>;
