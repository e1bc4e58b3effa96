/**
 * Reduces an HTML file to its readable text. DOMParser builds an inert document: its scripts never
 * run and nothing it references is fetched.
 */
export function htmlToText(html: string): string {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  doc.querySelectorAll('script, style, noscript, template, svg, iframe').forEach((el) => el.remove());
  const blocks = doc.body?.querySelectorAll('p, li, h1, h2, h3, h4, h5, h6, pre, blockquote, td, th, dt, dd, div') ?? [];
  blocks.forEach((el) => el.append(doc.createTextNode('\n\n')));
  const text = doc.body?.textContent ?? '';
  return text
    .replace(/[ \t\f\v\r]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
