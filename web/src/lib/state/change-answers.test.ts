import { describe, expect, it } from 'vitest';
import { ChangeAnswers } from './change-answers.ts';

describe('ChangeAnswers', () => {
  it('takes an answer unless the stream brought a state of its message while it was asked', () => {
    const answers = new ChangeAnswers();
    answers.streamed('1');
    answers.asking('1');
    expect(answers.answered('1')).toBe(true);

    answers.asking('1');
    answers.streamed('2');
    answers.streamed('1');
    expect(answers.answered('1')).toBe(false);
    // Asked again later: a fresh start.
    answers.asking('1');
    expect(answers.answered('1')).toBe(true);
  });
});
