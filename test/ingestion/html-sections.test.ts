import { describe, expect, test } from 'vitest';
import { documentsFromSitePage, htmlSections } from '../../src/ingestion/html-sections.js';
import { MetadataMode } from '../../src/schema/metadata-mode.js';

const PAGE = `<!doctype html>
<html><head><title>Harbour guide &amp; map</title><script>alert('head')</script></head>
<body>
  <nav><a href="/">Home</a> <h2>Menu heading</h2></nav>
  <header class="site">Site banner</header>
  <main>
    <h1 id="top">Harbour guide</h1>
    <p>Boats leave at dawn.</p>
    <div data-pagerag-ignore><p>Cookie notice</p><h2 id="ads">Ads</h2></div>
    <h2 id="mill">The <em>mill</em></h2>
    <p>The mill grinds wheat.</p>
    <section><main><p>A nested main stays inside.</p></main></section>
    <h3><a name="bread"></a>Bread</h3>
    <p>Sold until noon.</p>
    <h3>Opening hours</h3>
    <p>Eight to six.</p>
    <!-- <h2 id="commented">Not a heading</h2> -->
  </main>
  <footer>Footer text</footer>
</body></html>`;

describe('a built site page, read as Pagefind does', () => {
  test('<main> without nav, footer and [data-pagerag-ignore], one section per heading with its anchor', () => {
    const { title, sections } = htmlSections(PAGE);
    expect(title).toBe('Harbour guide & map');
    expect(sections.map((s) => [s.heading, s.anchor, s.text])).toEqual([
      ['Harbour guide', 'top', 'Boats leave at dawn.'],
      ['The mill', 'mill', 'The mill grinds wheat.\n\nA nested main stays inside.'],
      ['Bread', 'bread', 'Sold until noon.'],
      ['Opening hours', undefined, 'Eight to six.'],
    ]);
    const all = sections.map((s) => s.text).join(' ');
    for (const left of ['Menu heading', 'Site banner', 'Cookie notice', 'Ads', 'Footer text', 'alert', 'Not a heading']) expect(all).not.toContain(left);
  });

  test('[data-pagerag-body] wins over <main>; a page without either is its <body>', () => {
    const marked = htmlSections('<body><main><p>Chrome</p></main><article data-pagerag-body><h2 id="a">A</h2><p>Only this.</p></article></body>');
    expect(marked.sections.map((s) => s.text)).toEqual(['Only this.']);
    const plain = htmlSections('<html><body><p>Just text.</p><footer>f</footer></body></html>');
    expect(plain.sections).toEqual([{ heading: '', anchor: undefined, text: 'Just text.' }]);
  });

  test('documents: id and url with the anchor (site-relative, or under baseUrl), heading first, hostile text stays text', () => {
    const docs = documentsFromSitePage('guide/harbour.html', PAGE);
    expect(docs.map((d) => [d.id, d.metadata.url])).toEqual([
      ['guide/harbour.html#top', '/guide/harbour.html#top'],
      ['guide/harbour.html#mill', '/guide/harbour.html#mill'],
      ['guide/harbour.html#bread', '/guide/harbour.html#bread'],
      ['guide/harbour.html#section-3', '/guide/harbour.html'],
    ]);
    expect(docs[1]!.text).toBe('The mill\n\nThe mill grinds wheat.\n\nA nested main stays inside.');
    expect(docs[1]!.metadata).toMatchObject({ title: 'Harbour guide & map', heading: 'The mill', file_path: 'guide/harbour.html' });
    expect(docs[1]!.getContent(MetadataMode.EMBED)).toBe('file_path: guide/harbour.html\ntitle: Harbour guide & map\n\nThe mill\n\nThe mill grinds wheat.\n\nA nested main stays inside.');
    expect(documentsFromSitePage('a b.html', '<main><h2 id="x y">X</h2><p>t</p></main>', { baseUrl: 'https://example.com/docs/' })[0]!.metadata.url).toBe('https://example.com/docs/a%20b.html#x%20y');

    const hostile = documentsFromSitePage('h.html', '<title><img src=x onerror=alert(1)></title><main><h2 id="q">&lt;script&gt;alert(2)&lt;/script&gt;</h2><p>x</p></main>');
    expect(hostile[0]!.metadata.heading).toBe('<script>alert(2)</script>');
    // Two headings with one id stay two documents.
    const twice = documentsFromSitePage('t.html', '<main><h2 id="a">One</h2><p>1</p><h2 id="a">Two</h2><p>2</p></main>');
    expect(twice.map((d) => d.id)).toEqual(['t.html#a', 't.html#section-1']);
  });
});
