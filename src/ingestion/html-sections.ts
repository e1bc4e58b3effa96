import { InvalidArgumentError, describeValue } from '../errors.js';
import type { Document } from '../schema/document.js';
import { fileDocument, urlOf } from './file-document.js';
import { htmlToText } from './html-to-text.js';

// A built site's page as Pagefind reads one: its content (`[data-pagerag-body]`, else `<main>`,
// else `<body>`), without navigation, footers and `[data-pagerag-ignore]`, cut into one section
// per heading so that a source can link to `page.html#heading`. No DOM: the browser, the CLI and
// the Vite plugin read a page the same way.

/** One tag, with its attributes; quoted values may contain ">". */
const TAG = /<(\/?)([a-zA-Z][\w:-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g;
const VOID = new Set('area base br col embed hr img input link meta param source track wbr'.split(' '));
const SKIPPED = new Set(['nav', 'footer', 'script', 'style', 'noscript', 'template', 'svg']);
const HEADING = /^h([1-6])$/;

interface Tag {
  name: string;
  closing: boolean;
  attributes: string;
  start: number;
  end: number;
}

function tags(html: string): Tag[] {
  const out: Tag[] = [];
  for (const m of html.replace(/<!--[\s\S]*?-->/g, (c) => ' '.repeat(c.length)).matchAll(TAG)) {
    out.push({ name: m[2]!.toLowerCase(), closing: m[1] === '/', attributes: m[3] ?? '', start: m.index, end: m.index + m[0].length });
  }
  return out;
}

const hasAttribute = (tag: Tag, name: string) => new RegExp(`(?:^|\\s)${name}(?:\\s*=|\\s|/|$)`, 'i').test(tag.attributes);
const attribute = (tag: Tag, name: string) => new RegExp(`(?:^|\\s)${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s"'>]+))`, 'i').exec(tag.attributes)?.slice(1).find((v) => v !== undefined);

/** The index (in `all`) of the tag closing the element opened at `open`, by nesting of its name. */
function closingOf(all: Tag[], open: number): number {
  const name = all[open]!.name;
  let depth = 0;
  for (let i = open; i < all.length; i++) {
    const tag = all[i]!;
    if (tag.name !== name || VOID.has(name)) continue;
    depth += tag.closing ? -1 : 1;
    if (depth === 0) return i;
  }
  return all.length;
}

export interface SiteSection {
  /** The heading's text; "" for what comes before the first heading. */
  heading: string;
  /** The heading's `id` (or its inner anchor's), when it has one. */
  anchor: string | undefined;
  text: string;
}

/** The page's title and its content in sections, one per heading. */
export function htmlSections(html: string): { title: string | undefined; sections: SiteSection[] } {
  const all = tags(html);
  const titleOpen = all.findIndex((t) => t.name === 'title' && !t.closing);
  const rawTitle = titleOpen >= 0 ? html.slice(all[titleOpen]!.end, all[closingOf(all, titleOpen)]?.start ?? html.length) : undefined;
  const title = rawTitle === undefined ? undefined : htmlToText(rawTitle).replace(/\s+/g, ' ').trim() || undefined;

  // The content: [data-pagerag-body] wherever it is, else <main>, else <body>, else the whole file.
  const bodyOpen = [(t: Tag) => hasAttribute(t, 'data-pagerag-body'), (t: Tag) => t.name === 'main', (t: Tag) => t.name === 'body'].map((test) => all.findIndex((t) => !t.closing && test(t))).find((i) => i >= 0);
  const from = bodyOpen === undefined ? 0 : all[bodyOpen]!.end;
  const to = bodyOpen === undefined ? html.length : (all[closingOf(all, bodyOpen)]?.start ?? html.length);

  // Cut out skipped elements, and split at headings.
  type Open = Omit<SiteSection, 'text'> & { parts: string[] };
  const sections: Open[] = [];
  let current: Open = { heading: '', anchor: undefined, parts: [] };
  let at = from;
  for (let i = 0; i < all.length; i++) {
    const tag = all[i]!;
    if (tag.start < from || tag.end > to || tag.closing) continue;
    if (tag.start < at) continue;
    if (SKIPPED.has(tag.name) || hasAttribute(tag, 'data-pagerag-ignore')) {
      current.parts.push(html.slice(at, tag.start));
      const close = closingOf(all, i);
      at = close < all.length ? all[close]!.end : to;
      continue;
    }
    if (HEADING.test(tag.name)) {
      current.parts.push(html.slice(at, tag.start));
      sections.push(current);
      const close = closingOf(all, i);
      const inner = html.slice(tag.end, close < all.length ? all[close]!.start : to);
      const innerAnchor = /<a\b[^>]*\b(?:id|name)\s*=\s*["']?([^"'\s>]+)/i.exec(inner)?.[1];
      current = { heading: htmlToText(inner).replace(/\s+/g, ' ').trim(), anchor: attribute(tag, 'id') ?? innerAnchor, parts: [] };
      at = close < all.length ? all[close]!.end : to;
    }
  }
  current.parts.push(html.slice(at, to));
  sections.push(current);
  return {
    title,
    sections: sections
      .map(({ heading, anchor, parts }) => ({ heading, anchor, text: htmlToText(parts.join('\n')) }))
      .filter((s) => s.heading !== '' || s.text !== ''),
  };
}

/**
 * A page of a built site as documents, one per section: `id` and `url` say where it is
 * (`guide/intro.html#install`; `url` is relative to the site root, or absolute under `baseUrl`),
 * the text starts with the heading, and the metadata holds the page's `title` and the `heading`.
 * Pagefind's rules: `[data-pagerag-body]`, else `<main>`, else `<body>`; `<nav>`, `<footer>` and
 * `[data-pagerag-ignore]` left out.
 *
 * @example
 * const docs = documentsFromSitePage('guide/intro.html', html);
 * // [{ id: 'guide/intro.html#install', metadata: { url: '/guide/intro.html#install', title: 'Intro', heading: 'Install', … } }, …]
 */
export function documentsFromSitePage(path: string, html: string, options: { baseUrl?: string } = {}): Document[] {
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError(`Expected a page path, got ${describeValue(path)}.`);
  if (typeof html !== 'string') throw new InvalidArgumentError(`Expected the HTML of "${path}" to be a string, got ${describeValue(html)}.`);
  const filePath = path.replace(/\\/g, '/').replace(/^\/+/, '');
  const { title, sections } = htmlSections(html);
  const pageUrl = options.baseUrl !== undefined ? urlOf(filePath, options).url! : `/${filePath.split('/').map(encodeURIComponent).join('/')}`;
  const anchors = new Set<string>();
  return sections.map((section, i) => {
    // Two sections with the same anchor would be one document: the later gets its position.
    const key = section.anchor && !anchors.has(section.anchor) ? section.anchor : `section-${i}`;
    anchors.add(key);
    const text = section.heading && section.text ? `${section.heading}\n\n${section.text}` : section.heading || section.text;
    return fileDocument(filePath, text, {
      type: 'text/html',
      title,
      id: `${filePath}#${key}`,
      url: section.anchor ? `${pageUrl}#${encodeURIComponent(section.anchor)}` : pageUrl,
      ...(section.heading && { metadata: { heading: section.heading } }),
      // The text starts with the heading already.
      hidden: { embed: ['heading'], llm: ['heading'] },
    });
  });
}
