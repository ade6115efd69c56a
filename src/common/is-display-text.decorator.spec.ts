import { displayTextProblem } from './is-display-text.decorator.js';

describe('text fit to show (job names)', () => {
  it.each([
    ['x\u202Eevil', 'must not contain a bidirectional control (U+202E)'],
    ['\u202Aembed', 'must not contain a bidirectional control (U+202A)'],
    ['\u2066isolate\u2069', 'must not contain a bidirectional control (U+2066)'],
    ['mark\u200E', 'must not contain a bidirectional control (U+200E)'],
    ['mark\u200F', 'must not contain a bidirectional control (U+200F)'],
    ['arabic\u061Cmark', 'must not contain a bidirectional control (U+061C)'],
    ['nul\u0000', 'must not contain a control character (U+0000)'],
    ['line\nbreak', 'must not contain a control character (U+000A)'],
    ['escape\u001b[31mred', 'must not contain a control character (U+001B)'],
    ['del\u007F', 'must not contain a control character (U+007F)'],
    ['next line\u0085', 'must not contain a control character (U+0085)'],
    ['c1\u009F', 'must not contain a control character (U+009F)'],
    ['lone \uD800 surrogate', 'must not contain an unpaired surrogate (U+D800)'],
    ['', 'must contain a visible character, not only whitespace'],
    ['   ', 'must contain a visible character, not only whitespace'],
    ['\u00A0\u3000\u2003', 'must contain a visible character, not only whitespace'],
    ['\u200B\uFEFF', 'must contain a visible character, not only whitespace'],
  ])('refuses %j', (text, problem) => {
    expect(displayTextProblem(text)).toBe(problem);
  });

  const fine = ['llama-8b-finetune', 'Llama 8B (run 2) ✓', '训练任务 东数西算', 'شبكة', 'emoji 😀 and 👩‍💻', ' padded '];
  it.each(fine)('accepts %j', (text) => {
    expect(displayTextProblem(text)).toBeUndefined();
  });
});
