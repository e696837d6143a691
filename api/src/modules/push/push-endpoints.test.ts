import { describe, expect, it } from 'vitest';
import { DEFAULT_PUSH_HOSTS, isPrivateAddress, PushEndpointPolicy } from './push-endpoints.ts';

/** A resolver that answers from a table, as DNS would for these names. */
const dns: Record<string, string[]> = {
  'fcm.googleapis.com': ['142.250.185.74'],
  'eu.push.services.mozilla.com': ['34.117.49.155'],
  'evil.push.services.mozilla.com': ['169.254.169.254'],
  'relay.example.org': ['10.1.2.3'],
  'sub.relay.example.org': ['10.1.2.4'],
  'mixed.example.org': ['93.184.216.34', '127.0.0.1'],
};
const resolve = (host: string) => Promise.resolve(dns[host] ?? []);

const refusal = async (policy: PushEndpointPolicy, endpoint: string) =>
  policy.check(endpoint).then(
    () => 'accepted',
    (error: Error) => error.message,
  );

describe('push endpoints', () => {
  it('accept the browser vendors’ push services by default, https only', async () => {
    const policy = new PushEndpointPolicy(DEFAULT_PUSH_HOSTS, resolve);
    expect(await refusal(policy, 'https://fcm.googleapis.com/fcm/send/abc')).toBe('accepted');
    expect(await refusal(policy, 'https://eu.push.services.mozilla.com/wpush/v2/x')).toBe('accepted');
    expect(await refusal(policy, 'http://fcm.googleapis.com/fcm/send/abc')).toMatch(/not https/);
    expect(await refusal(policy, 'https://example.com/push')).toMatch(/not a push service/);
    expect(await refusal(policy, 'https://127.0.0.1/push')).toMatch(/not a push service/);
  });

  it('refuse a name matched by a pattern that resolves to a private address, any of them', async () => {
    const policy = new PushEndpointPolicy([...DEFAULT_PUSH_HOSTS, '*.example.org'], resolve);
    expect(await refusal(policy, 'https://evil.push.services.mozilla.com/x')).toMatch(/private address/);
    expect(await refusal(policy, 'https://mixed.example.org/x')).toMatch(/private address/);
    expect(await refusal(policy, 'https://nowhere.example.org/x')).toMatch(/does not resolve/);
  });

  it('accept a private address for a host listed by its exact name, and ignore the port', async () => {
    const policy = new PushEndpointPolicy(['relay.example.org', '*.relay.example.org', '127.0.0.1'], resolve);
    expect(await refusal(policy, 'https://relay.example.org:8443/push/1')).toBe('accepted');
    expect(await refusal(policy, 'https://127.0.0.1:9999/push/1')).toBe('accepted');
    expect(await refusal(policy, 'https://sub.relay.example.org/push/1')).toMatch(/private address/);
    expect(await refusal(policy, 'https://[::1]/push/1')).toMatch(/not a push service/);
  });

  it('know which addresses are private', () => {
    for (const address of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1'])
      expect(isPrivateAddress(address), address).toBe(true);
    for (const address of ['8.8.8.8', '142.250.185.74', '2001:4860:4860::8888', '::ffff:8.8.8.8'])
      expect(isPrivateAddress(address), address).toBe(false);
  });
});
