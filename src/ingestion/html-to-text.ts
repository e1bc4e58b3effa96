// HTML to readable text without a DOM, so the browser, the CLI and the Vite plugin turn the same
// file into the same text. The output is plain text: nothing in it is ever run or fetched.

/** Elements whose content is not readable text. */
const DROPPED = /<(script|style|noscript|template|svg|iframe|head|object|canvas)\b[^>]*>[\s\S]*?<\/\1\s*>/gi;
/** One tag; quoted attribute values may contain ">". */
const TAG = /<\/?([a-zA-Z][\w:-]*)(?:[^>"']|"[^"]*"|'[^']*')*>/g;
const BLOCK = new Set(
  'p div li ul ol h1 h2 h3 h4 h5 h6 pre blockquote td th tr table dt dd dl section article header footer main nav aside figure figcaption hr form fieldset details summary'.split(' '),
);
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', ndash: '–', mdash: '—', hellip: '…', laquo: '«', raquo: '»', copy: '©', rsquo: '’', lsquo: '‘', rdquo: '”', ldquo: '“' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : '\uFFFD';
    }
    return NAMED[body.toLowerCase()] ?? entity;
  });
}

/**
 * Reduces an HTML file to its readable text: scripts, styles and the head dropped, block elements
 * separated by blank lines, entities decoded.
 *
 * @example
 * htmlToText('<h1>Title</h1><p>One &amp; two</p>') // "Title\n\nOne & two"
 */
export function htmlToText(html: string): string {
  const text = html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(DROPPED, '')
    .replace(TAG, (_, name: string) => {
      const tag = name.toLowerCase();
      return tag === 'br' ? '\n' : BLOCK.has(tag) ? '\n\n' : '';
    });
  return decodeEntities(text)
    .replace(/[ \t\f\v\r]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
