// PDFs written here, byte by byte, for the reader tests: text pages in Helvetica, a page without
// text (a scan has none), an encrypted one, one that claims millions of pages, broken ones.
const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
const escape = (s: string) => s.replace(/[\\()]/g, (c) => `\\${c}`);

export interface PdfSpec {
  /** Lines of text per page; an empty page has no text at all. */
  pages: string[][];
  title?: string;
  /** The page count the page tree claims (a hostile file lies). */
  claimedCount?: number;
  /** An /Encrypt dictionary whose password is not empty. */
  encrypted?: boolean;
}

export function makePdf({ pages, title, claimedCount, encrypted }: PdfSpec): Uint8Array {
  const objects: string[] = [];
  // Object numbers start at 1.
  const add = (body: string) => objects.push(body);
  const catalog = add('');
  const tree = add('');
  const font = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  const kids: number[] = [];
  for (const lines of pages) {
    const text = lines.length === 0 ? '' : `BT /F1 12 Tf 72 720 Td 14 TL ${lines.map((l) => `(${escape(l)}) Tj T*`).join(' ')} ET`;
    const content = add(`<< /Length ${text.length} >>\nstream\n${text}\nendstream`);
    kids.push(add(`<< /Type /Page /Parent ${tree} 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 ${font} 0 R >> >> /Contents ${content} 0 R >>`));
  }
  objects[catalog - 1] = `<< /Type /Catalog /Pages ${tree} 0 R >>`;
  objects[tree - 1] = `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${claimedCount ?? kids.length} >>`;
  const info = title ? add(`<< /Title (${escape(title)}) >>`) : undefined;
  const encrypt = encrypted ? add(`<< /Filter /Standard /V 1 /R 2 /Length 40 /P -44 /O (${'x'.repeat(32)}) /U (${'y'.repeat(32)}) >>`) : undefined;
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  const trailerExtras = `${info ? ` /Info ${info} 0 R` : ''}${encrypt ? ` /Encrypt ${encrypt} 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]` : ''}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root ${catalog} 0 R${trailerExtras} >>\nstartxref\n${xref}\n%%EOF\n`;
  return latin1(out);
}
