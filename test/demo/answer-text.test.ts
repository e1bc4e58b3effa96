import { expect, test } from 'vitest';
import { answerNodes, sourceText } from '../../demo/answer-text.js';

test('citations [n] of shown sources become links; the rest, hostile text included, stays text', () => {
  const host = document.createElement('article');
  host.replaceChildren(...answerNodes('Boats are blue [2], says [1] and [9]. <img src=x onerror=alert(1)> [0]', 2));
  const links = [...host.querySelectorAll('a')];
  expect(links.map((a) => [a.textContent, a.getAttribute('href')])).toEqual([
    ['[2]', '#source-2'],
    ['[1]', '#source-1'],
  ]);
  // [9] names no shown source and [0] none at all: text.
  expect(host.textContent).toBe('Boats are blue [2], says [1] and [9]. <img src=x onerror=alert(1)> [0]');
  expect(host.querySelector('img')).toBeNull();
  expect(answerNodes('', 3)).toEqual([]);
  expect(sourceText('Source 12:\nThe mill grinds wheat.\n')).toBe('The mill grinds wheat.');
  expect(sourceText('Plain text')).toBe('Plain text');
});
