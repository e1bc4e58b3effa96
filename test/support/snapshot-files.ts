// Snapshot files built by hand for format tests, with the test's own CRC-32 (independent of src/).

/** A snapshot file with another header around `body` (for format tests). */
export function rewrap(header: object, body: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerEnd = 16 + json.length + 4;
  const padded = Math.ceil(headerEnd / 8) * 8;
  const out = new Uint8Array(padded + body.length);
  out.set(new TextEncoder().encode('PGRAGSNP'));
  const view = new DataView(out.buffer);
  view.setUint32(8, 1, true);
  view.setUint32(12, json.length, true);
  out.set(json, 16);
  view.setUint32(16 + json.length, crc32(json), true);
  out.set(body, padded);
  return out;
}

function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
