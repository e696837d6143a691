import { UAParser } from 'ua-parser-js';

/**
 * A User-Agent as people name their devices: "Firefox on Linux", "Mobile Safari on iOS";
 * null when the parser knows neither the browser nor the system (a script, curl).
 */
export function deviceName(userAgent: string | null): string | null {
  if (!userAgent) return null;
  const { browser, os } = UAParser(userAgent);
  if (browser.name && os.name) return `${browser.name} on ${os.name}`;
  return browser.name ?? os.name ?? null;
}
