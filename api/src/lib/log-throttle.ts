import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';

export interface LogThrottleOptions {
  /** Lines written per key per window; the rest are counted, not written. */
  perWindow: number;
  windowMs: number;
  /** Keys remembered at once (least recently used forgotten first), so the throttle stays bounded. */
  maxKeys: number;
}

interface Window {
  startedAt: number;
  written: number;
  suppressed: number;
}

/**
 * Keeps a log from becoming an amplifier: a client that can trigger a warning at will
 * (oversized frames, sends during an outage) gets at most `perWindow` lines per key per
 * window. The first line of the next window says how many were left out (`suppressed`).
 */
export class LogThrottle {
  private readonly windows: LRUCache<string, Window>;

  constructor(
    private readonly options: LogThrottleOptions = { perWindow: 10, windowMs: 60_000, maxKeys: 1_000 },
    private readonly now: () => number = Date.now,
  ) {
    this.windows = new LRUCache({ max: options.maxKeys });
  }

  /** Whether a line for `key` may be written now; if so, how many were suppressed before it. */
  take(key: string): { suppressed: number } | null {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || now - window.startedAt >= this.options.windowMs) {
      window = { startedAt: now, written: 0, suppressed: window?.suppressed ?? 0 };
      this.windows.set(key, window);
    }
    if (window.written >= this.options.perWindow) {
      window.suppressed++;
      return null;
    }
    window.written++;
    const { suppressed } = window;
    window.suppressed = 0;
    return { suppressed };
  }

  /** `log.warn(fields, message)`, throttled by `key`; `suppressed` is added when lines were left out. */
  warn(log: Pick<Logger, 'warn'>, key: string, fields: Record<string, unknown>, message: string): void {
    const allowed = this.take(key);
    if (!allowed) return;
    log.warn(allowed.suppressed > 0 ? { ...fields, suppressed: allowed.suppressed } : fields, message);
  }
}
