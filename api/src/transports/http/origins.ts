import type { FastifyRequest } from 'fastify';

/**
 * Whether a request may act with the cookie it carries: it comes from the
 * server's own origin or one configured in ALLOWED_ORIGINS. Browsers always say
 * where a WebSocket or form post comes from; a request that names no origin
 * at all is from a script or bot (curl with a cookie jar, the original chat's
 * test client), which no third-party page can drive.
 *
 * A GET navigation (`navigation`) may carry no Origin, and a cross-site link
 * may strip its Referer, but every current browser says where it comes from
 * in `Sec-Fetch-Site`: `same-origin`, or `none` for an address typed or
 * bookmarked, is ours; `same-site` and `cross-site` are another page's. A
 * request with none of the three is a script's, as for any other request.
 */
export function createOriginCheck(allowedOrigins: readonly string[]) {
  const allowed = new Set(allowedOrigins.map((origin) => origin.replace(/\/$/, '')));
  return (request: FastifyRequest, options: { navigation?: boolean } = {}): boolean => {
    const claimed = request.headers.origin ?? refererOrigin(request.headers.referer);
    if (claimed !== undefined) return claimed === `${request.protocol}://${request.host}` || allowed.has(claimed);
    const site = request.headers['sec-fetch-site'];
    return !options.navigation || site === undefined || site === 'same-origin' || site === 'none';
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
