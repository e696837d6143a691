import { describe, expect, it } from 'vitest';
import { AVATAR_HUES, avatarHue, fullName, initials, usernameBeside } from './names.ts';

describe('usernameBeside', () => {
  it('shows the username beside any display name that is not it', () => {
    expect(usernameBeside({ username: 'mallory', displayName: 'Alice' })).toBe('@mallory');
    expect(fullName({ username: 'mallory', displayName: 'Alice' })).toBe('Alice (@mallory)');
    expect(usernameBeside({ username: 'bob', displayName: 'Боб' })).toBe('@bob');
  });

  it('shows the name alone when it is the username, case aside', () => {
    expect(usernameBeside({ username: 'alice', displayName: 'alice' })).toBeNull();
    expect(usernameBeside({ username: 'alice', displayName: 'Alice' })).toBeNull();
    expect(fullName({ username: 'alice', displayName: 'Alice' })).toBe('Alice');
  });
});

describe('initials', () => {
  it('takes the first letter of the first and last word, whole graphemes in any script', () => {
    expect(initials('Ada Byron King')).toBe('AK');
    expect(initials('alice')).toBe('A');
    expect(initials('  Алиса  Лидделл ')).toBe('АЛ');
    expect(initials('👩‍💻 coder')).toBe('👩‍💻C');
    expect(initials('李 小龍')).toBe('李小');
    expect(initials('   ')).toBe('?');
  });
});

describe('avatarHue', () => {
  it('is the same for a username however it is cased, and spreads names over every hue', () => {
    expect(avatarHue('Alice')).toBe(avatarHue('alice'));
    const hues = new Set(Array.from({ length: 200 }, (_, i) => avatarHue(`user_${i}`)));
    expect([...hues].sort()).toEqual(Array.from({ length: AVATAR_HUES }, (_, i) => i));
  });
});
