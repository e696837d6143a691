import { describe, expect, it } from 'vitest';
import {
  effectiveLevel,
  inQuietHours,
  previewOf,
  reasonNotToPush,
  validateQuietHours,
  type PushCandidate,
} from './notifications.ts';

const at = (iso: string) => new Date(iso).getTime();

const night = { start: '22:00', end: '07:00', timeZone: 'Europe/Berlin', allowDirect: false, allowMentions: false };

const candidate = (changes: Partial<PushCandidate> = {}): PushCandidate => ({
  level: 'ALL',
  mutedForever: false,
  mutedUntil: null,
  quietHours: null,
  active: false,
  mentioned: false,
  ...changes,
});

describe('quiet hours', () => {
  it('span midnight in the person’s zone, start included, end excluded', () => {
    // Berlin is UTC+1 in December.
    expect(inQuietHours(night, at('2026-12-07T20:59:00Z'))).toBe(false);
    expect(inQuietHours(night, at('2026-12-07T21:00:00Z'))).toBe(true);
    expect(inQuietHours(night, at('2026-12-07T23:30:00Z'))).toBe(true);
    expect(inQuietHours(night, at('2026-12-08T05:59:00Z'))).toBe(true);
    expect(inQuietHours(night, at('2026-12-08T06:00:00Z'))).toBe(false);
  });

  it('follow daylight saving time: 07:00 in Berlin is 05:00 UTC in summer, 06:00 in winter', () => {
    expect(inQuietHours(night, at('2026-07-01T05:30:00Z'))).toBe(false);
    expect(inQuietHours(night, at('2026-12-01T05:30:00Z'))).toBe(true);
    // The night the clocks go forward (29 March 2026, 02:00 → 03:00): still quiet either side.
    expect(inQuietHours(night, at('2026-03-29T00:59:00Z'))).toBe(true);
    expect(inQuietHours(night, at('2026-03-29T01:00:00Z'))).toBe(true);
    expect(inQuietHours(night, at('2026-03-29T05:00:00Z'))).toBe(false);
  });

  it('read the same instant differently in different zones', () => {
    const instant = at('2026-12-07T23:00:00Z');
    expect(inQuietHours({ ...night, timeZone: 'America/New_York' }, instant)).toBe(false); // 18:00
    expect(inQuietHours({ ...night, timeZone: 'Asia/Tokyo' }, instant)).toBe(false); // 08:00
    expect(inQuietHours({ ...night, timeZone: 'UTC' }, instant)).toBe(true);
    expect(inQuietHours({ start: '09:00', end: '17:00', timeZone: 'Asia/Tokyo' }, instant)).toBe(false);
    expect(inQuietHours({ start: '07:00', end: '09:00', timeZone: 'Asia/Tokyo' }, instant)).toBe(true);
  });

  it('refuse malformed times, equal ends and unknown zones', () => {
    expect(() => validateQuietHours({ ...night, start: '24:00' })).toThrow(/HH:MM/);
    expect(() => validateQuietHours({ ...night, end: '7:00' })).toThrow(/HH:MM/);
    expect(() => validateQuietHours({ ...night, end: '22:00' })).toThrow(/different/);
    expect(() => validateQuietHours({ ...night, timeZone: 'Mars/Olympus' })).toThrow(/IANA/);
    expect(validateQuietHours(night)).toEqual(night);
  });
});

describe('who gets a push', () => {
  const now = at('2026-12-07T12:00:00Z');

  it('defaults to ALL for direct conversations and groups of up to 15, MENTIONS above', () => {
    expect(effectiveLevel(null, { kind: 'DIRECT', memberCount: 2 })).toBe('ALL');
    expect(effectiveLevel(null, { kind: 'GROUP', memberCount: 15 })).toBe('ALL');
    expect(effectiveLevel(null, { kind: 'GROUP', memberCount: 16 })).toBe('MENTIONS');
    expect(effectiveLevel('ALL', { kind: 'GROUP', memberCount: 500 })).toBe('ALL');
  });

  it('gives a reason for each way of being left out', () => {
    expect(reasonNotToPush(candidate(), false, now)).toBeNull();
    expect(reasonNotToPush(candidate({ active: true }), false, now)).toBe('active');
    expect(reasonNotToPush(candidate({ mutedForever: true }), false, now)).toBe('muted');
    expect(reasonNotToPush(candidate({ mutedUntil: new Date(now + 1) }), false, now)).toBe('muted');
    expect(reasonNotToPush(candidate({ mutedUntil: new Date(now) }), false, now)).toBeNull();
    expect(reasonNotToPush(candidate({ level: 'NONE', mentioned: true }), true, now)).toBe('level');
    expect(reasonNotToPush(candidate({ level: 'MENTIONS' }), false, now)).toBe('level');
    expect(reasonNotToPush(candidate({ level: 'MENTIONS', mentioned: true }), false, now)).toBeNull();
    expect(reasonNotToPush(candidate({ level: 'MENTIONS' }), true, now)).toBeNull();
  });

  it('lets quiet hours pass direct messages or mentions only when asked', () => {
    const quiet = { ...night, start: '12:00', end: '14:00' }; // 13:00 in Berlin
    expect(reasonNotToPush(candidate({ quietHours: quiet }), true, now)).toBe('quiet hours');
    expect(reasonNotToPush(candidate({ quietHours: { ...quiet, allowDirect: true } }), true, now)).toBeNull();
    expect(reasonNotToPush(candidate({ quietHours: { ...quiet, allowDirect: true } }), false, now)).toBe('quiet hours');
    const mentions = { ...quiet, allowMentions: true };
    expect(reasonNotToPush(candidate({ quietHours: mentions, mentioned: true }), false, now)).toBeNull();
    expect(reasonNotToPush(candidate({ quietHours: mentions }), false, now)).toBe('quiet hours');
  });
});

describe('previewOf', () => {
  it('keeps 140 characters at most, counting emoji as one', () => {
    expect(previewOf('  hello\n\nthere  ')).toBe('hello there');
    const long = '😀'.repeat(200);
    expect([...previewOf(long)]).toHaveLength(140);
    expect(previewOf(long).endsWith('…')).toBe(true);
    expect(previewOf('a'.repeat(140))).toBe('a'.repeat(140));
  });
});
