import { expect, test } from 'vitest';
import { answerNodes, sourceText } from '../../src/ui/answer-text.js';

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

test('citations link where the caller says (the site component links each to its page and section)', () => {
  const pages = ['/boats.html#colours', '/bakery.html#bread'];
  const host = document.createElement('p');
  host.replaceChildren(...answerNodes('Blue [1], rye [2].', 2, document, (n) => pages[n - 1]!));
  expect([...host.querySelectorAll('a')].map((a) => a.getAttribute('href'))).toEqual(pages);
});
