import { describe, expect, it } from 'vitest';
import { deviceName } from './devices.ts';

describe('device names', () => {
  it('names a browser and its system as people do', () => {
    expect(deviceName('Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0')).toBe(
      'Firefox on Linux',
    );
    expect(
      deviceName(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
      ),
    ).toBe('Mobile Safari on iOS');
  });

  it('names nothing it does not know', () => {
    expect(deviceName('curl/8.0')).toBeNull();
    expect(deviceName(null)).toBeNull();
  });
});
