// BM25 keyword rows as bytes: a term dictionary, then per row its term count and (term number,
// frequency) pairs, all unsigned LEB128. Used by storage segments and by snapshot files; far
// smaller and faster to read than the same rows as JSON.

export interface KeywordTerms {
  terms: string[];
  freqs: number[];
}

export function encodeKeywordRows(rows: readonly KeywordTerms[]): Uint8Array {
  const ids = new Map<string, number>();
  for (const row of rows) for (const term of row.terms) if (!ids.has(term)) ids.set(term, ids.size);
  // Room for every term at 3 bytes per UTF-16 unit (UTF-8's most), trimmed at the end.
  let size = 5;
  for (const term of ids.keys()) size += 5 + 3 * term.length;
  for (const row of rows) size += 5 + row.terms.length * 10;
  const out = new Uint8Array(size);
  let at = 0;
  const varint = (value: number) => {
    let v = value;
    while (v >= 0x80) {
      out[at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    out[at++] = v;
  };
  varint(ids.size);
  const encoder = new TextEncoder();
  for (const term of ids.keys()) {
    // ASCII terms (most) are copied as they are, without a TextEncoder call and its array each.
    let ascii = term.length < 0x80;
    for (let i = 0; ascii && i < term.length; i++) {
      const c = term.charCodeAt(i);
      if (c < 0x80) out[at + 1 + i] = c;
      else ascii = false;
    }
    if (ascii) {
      out[at] = term.length;
      at += 1 + term.length;
    } else {
      const bytes = encoder.encode(term);
      varint(bytes.length);
      out.set(bytes, at);
      at += bytes.length;
    }
  }
  for (const row of rows) {
    const { terms, freqs } = row;
    varint(terms.length);
    for (let i = 0; i < terms.length; i++) {
      varint(ids.get(terms[i]!)!);
      varint(freqs[i]!);
    }
  }
  return out.slice(0, at);
}

/**
 * Decodes `count` rows; `corrupt(reason)` makes the error to throw when the bytes are malformed.
 * Also returns where each row starts (and where the dictionary ends), so runs of rows can be copied
 * into a new encoding with {@link sliceKeywordRows} without decoding and encoding them again.
 */
export function decodeKeywordRows(bytes: Uint8Array, count: number, corrupt: (reason: string) => Error): KeywordTerms[] & { offsets: Uint32Array } {
  const { rows, offsets } = readKeywordRows(bytes, count, corrupt, true);
  return Object.assign(rows!, { offsets });
}

/**
 * Checks `count` encoded rows as {@link decodeKeywordRows} does, without making their terms (a
 * fraction of the time): where each row starts (offsets[count] is the end).
 */
export function scanKeywordRows(bytes: Uint8Array, count: number, corrupt: (reason: string) => Error): Uint32Array {
  return readKeywordRows(bytes, count, corrupt, false).offsets;
}

function readKeywordRows(bytes: Uint8Array, count: number, corrupt: (reason: string) => Error, decode: boolean): { rows?: KeywordTerms[]; offsets: Uint32Array } {
  let at = 0;
  const varint = () => {
    let value = 0;
    let shift = 0;
    for (;;) {
      if (at >= bytes.length) throw corrupt('it ends early');
      const byte = bytes[at++]!;
      value |= (byte & 0x7f) << shift;
      if (byte < 0x80) return value >>> 0;
      shift += 7;
      if (shift > 28) throw corrupt('it holds an over-long number');
    }
  };
  const decoder = new TextDecoder();
  const dictionary = varint();
  const terms = decode ? new Array<string>(dictionary) : [];
  for (let t = 0; t < dictionary; t++) {
    const length = varint();
    if (at + length > bytes.length) throw corrupt('it ends early');
    if (decode) terms[t] = decoder.decode(bytes.subarray(at, at + length));
    at += length;
  }
  const rows = decode ? new Array<KeywordTerms>(count) : undefined;
  const offsets = new Uint32Array(count + 1);
  for (let r = 0; r < count; r++) {
    offsets[r] = at;
    const n = varint();
    // A scan makes no arrays.
    const row = rows && { terms: new Array<string>(n), freqs: new Array<number>(n) };
    for (let i = 0; i < n; i++) {
      const term = varint();
      if (term >= dictionary) throw corrupt('it refers to an unknown term');
      const freq = varint();
      if (row) {
        row.terms[i] = terms[term]!;
        row.freqs[i] = freq;
      }
    }
    if (row) rows[r] = row;
  }
  if (at !== bytes.length) throw corrupt('it has trailing bytes');
  offsets[count] = at;
  return { ...(rows && { rows }), offsets };
}

/** The encoding of some rows of `bytes` (runs of [start, end) row numbers, in order), sharing its dictionary. */
export function sliceKeywordRows(bytes: Uint8Array, offsets: Uint32Array, runs: readonly [number, number][]): Uint8Array {
  const dictionaryEnd = offsets[0]!;
  const size = runs.reduce((n, [start, end]) => n + offsets[end]! - offsets[start]!, dictionaryEnd);
  const out = new Uint8Array(size);
  out.set(bytes.subarray(0, dictionaryEnd));
  let at = dictionaryEnd;
  for (const [start, end] of runs) {
    out.set(bytes.subarray(offsets[start]!, offsets[end]!), at);
    at += offsets[end]! - offsets[start]!;
  }
  return out;
}
