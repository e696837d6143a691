import { describe, expect, it } from 'vitest';
import {
  completeMention,
  mentionAt,
  mentionChoices,
  messagePieces,
  type MentionContext,
} from './mentions.ts';

const context: MentionContext = { members: new Set(['alice', 'bob.smith', 'zoë']), me: 'alice', group: true };

describe('messagePieces', () => {
  it('marks @mentions of members, those of the viewer (and @all in a group) as mine, as text pieces', () => {
    expect(messagePieces('hi @Bob.Smith, and @ALICE. @all: see @nobody', context)).toEqual([
      { text: 'hi ' },
      { text: '@Bob.Smith', mention: 'other' },
      { text: ', and ' },
      { text: '@ALICE', mention: 'me' },
      { text: '. ' },
      { text: '@all', mention: 'me' },
      { text: ': see @nobody' },
    ]);
  });

  it('leaves email addresses, links and @all in a direct chat as they are', () => {
    expect(messagePieces('mail zoë@bob.smith or https://x.test/@alice', context)).toEqual([
      { text: 'mail zoë@bob.smith or ' },
      { text: 'https://x.test/@alice', href: 'https://x.test/@alice' },
    ]);
    expect(messagePieces('@everyone @Zoë', { ...context, group: false })).toEqual([
      { text: '@everyone ' },
      { text: '@Zoë', mention: 'other' },
    ]);
  });
});

describe('mention autocomplete', () => {
  it('finds the @name being typed at the caret, not an email address', () => {
    expect(mentionAt('hello @bo', 9)).toEqual({ start: 6, query: 'bo' });
    expect(mentionAt('@', 1)).toEqual({ start: 0, query: '' });
    expect(mentionAt('mail me@exa', 11)).toBeNull();
    expect(mentionAt('@bob and more', 13)).toBeNull();
  });

  it('offers members by the start of their name, never the viewer; @all and @everyone in groups', () => {
    const names = ['alice', 'Bob.Smith', 'bobby', 'carol'];
    expect(mentionChoices(names, 'BO', context)).toEqual(['Bob.Smith', 'bobby']);
    expect(mentionChoices(names, '', context)).toEqual(['Bob.Smith', 'bobby', 'carol', 'all', 'everyone']);
    expect(mentionChoices(names, 'a', { ...context, group: false })).toEqual([]);
    expect(mentionChoices(names, 'e', context)).toEqual(['everyone']);
  });

  it('completes the name and puts the caret after it', () => {
    expect(completeMention('hi @bo there', { start: 3, query: 'bo' }, 'bobby')).toEqual({
      text: 'hi @bobby there',
      caret: 10,
    });
    expect(completeMention('@', { start: 0, query: '' }, 'all')).toEqual({ text: '@all ', caret: 5 });
  });
});
