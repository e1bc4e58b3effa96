// The answer as the page shows it: text, with each citation "[n]" that names a shown source turned
// into a link to it. Made of text nodes and elements only: model output is never parsed as HTML.
const CITATION = /\[(\d{1,3})\]/g;

/** `text` as nodes; `[n]` links to `href(n)` (`#source-n` unless told) when 1 ≤ n ≤ `sourceCount`. */
export function answerNodes(text: string, sourceCount: number, doc: Document = document, href: (n: number) => string = (n) => `#source-${n}`): Node[] {
  const parts: Node[] = [];
  let last = 0;
  for (const match of text.matchAll(CITATION)) {
    const n = Number(match[1]);
    if (n < 1 || n > sourceCount) continue;
    if (match.index > last) parts.push(doc.createTextNode(text.slice(last, match.index)));
    const link = doc.createElement('a');
    link.href = href(n);
    link.className = 'citation';
    link.textContent = match[0];
    parts.push(link);
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push(doc.createTextNode(text.slice(last)));
  return parts;
}

/** A numbered source's text without its "Source n:" line (the list numbers it already). */
export function sourceText(text: string): string {
  return text.replace(/^Source \d+:\n/, '').replace(/\n$/, '');
}
