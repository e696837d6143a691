import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { badInput } from '../../domain/errors.ts';

/** The browser vendors' push services: Chrome and Edge (FCM), Firefox (Mozilla autopush), Safari (Apple), old Edge (WNS). */
export const DEFAULT_PUSH_HOSTS = [
  'fcm.googleapis.com',
  'android.googleapis.com',
  'updates.push.services.mozilla.com',
  '*.push.services.mozilla.com',
  'web.push.apple.com',
  '*.push.apple.com',
  '*.notify.windows.com',
];

const MAX_ENDPOINT_LENGTH = 2048;

/** Addresses a push must never be sent to unless an operator names the host itself: this machine, its networks, link-local. */
const privateAddresses = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const)
  privateAddresses.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  privateAddresses.addSubnet(network, prefix, 'ipv6');

/** True for loopback, private, link-local (and other never-public) addresses, IPv4-mapped IPv6 included. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return privateAddresses.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return privateAddresses.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Which push endpoints the server will POST to: https URLs whose host is on the list (an exact
 * name, or `*.domain` for its subdomains), and that resolve to public addresses unless the host is
 * listed by its exact name (an operator's own push relay, or a test's 127.0.0.1).
 */
export class PushEndpointPolicy {
  private readonly exact: Set<string>;
  private readonly suffixes: string[];
  /** For the sends: the same rule at connection time, so a name re-pointed after registration gains nothing. */
  readonly agent: Agent;

  constructor(
    hosts: readonly string[],
    private readonly resolve: (host: string) => Promise<string[]> = resolveAll,
  ) {
    const names = hosts.map((host) => host.toLowerCase());
    this.exact = new Set(names.filter((host) => !host.startsWith('*.')));
    this.suffixes = names.filter((host) => host.startsWith('*.')).map((host) => host.slice(1));
    this.agent = new Agent({ keepAlive: true, maxSockets: 64, lookup: this.guardedLookup });
  }

  /** The endpoint as a URL when the server may POST to it; BAD_USER_INPUT (field `endpoint`) otherwise. */
  async check(endpoint: string): Promise<URL> {
    const url = this.allowedUrl(endpoint);
    const host = hostOf(url);
    if (this.exact.has(host)) return url;
    const addresses = isIP(host) ? [host] : await this.resolve(host).catch(() => []);
    if (addresses.length === 0) throw refused('its host does not resolve');
    if (addresses.some(isPrivateAddress)) throw refused('its host resolves to a private address');
    return url;
  }

  /** The endpoint as a URL when its form and host are allowed (no DNS): what a send re-checks. */
  allowedUrl(endpoint: string): URL {
    if (endpoint.length > MAX_ENDPOINT_LENGTH) throw refused('it is too long');
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw refused('it is not a URL');
    }
    if (url.protocol !== 'https:') throw refused('it is not https');
    if (url.username || url.password) throw refused('it carries credentials');
    const host = hostOf(url);
    const listed = this.exact.has(host) || this.suffixes.some((suffix) => host.endsWith(suffix));
    if (!listed) throw refused('its host is not a push service this server sends to');
    if (isIP(host) && !this.exact.has(host)) throw refused('its host is an address that is not listed');
    return url;
  }

  private readonly guardedLookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, found: LookupAddress[]) => {
      if (error) return callback(error, '', 4);
      const allowed = this.exact.has(hostname.toLowerCase())
        ? found
        : found.filter((entry) => !isPrivateAddress(entry.address));
      if (allowed.length === 0)
        return callback(Object.assign(new Error(`${hostname} resolves to private addresses only`), { code: 'EPRIVATE' }), '', 4);
      if (options.all) return (callback as unknown as (e: null, all: LookupAddress[]) => void)(null, allowed);
      callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  };
}

/** The URL's host as the list names it: lower case, an IPv6 address without its brackets, no port. */
const hostOf = (url: URL) => url.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');

const refused = (why: string) => badInput('endpoint', `This push endpoint is not accepted: ${why}.`);

const resolveAll = (host: string) =>
  new Promise<string[]>((resolve, reject) =>
    dnsLookup(host, { all: true }, (error, found) =>
      error ? reject(error) : resolve(found.map((entry) => entry.address)),
    ),
  );
