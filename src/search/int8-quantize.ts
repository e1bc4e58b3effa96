/**
 * Symmetric int8 quantization of one vector: scale = max |x| / 127, code = x / scale rounded half
 * away from zero. The one quantizer behind the int8 search pass and int8 snapshot files, so both
 * see the same codes for the same vector.
 *
 * Writes `dims` codes from `source[offset…]` into `target[targetOffset…]` and returns the scale.
 */
export function quantizeInt8(source: ArrayLike<number>, offset: number, dims: number, target: Int8Array, targetOffset = 0): number {
  let maxAbs = 0;
  for (let d = offset, end = offset + dims; d < end; d++) {
    const v = source[d]!;
    if (v > maxAbs) maxAbs = v;
    else if (-v > maxAbs) maxAbs = -v;
  }
  const scale = maxAbs > 0 ? maxAbs / 127 : 1;
  const inverse = 1 / scale;
  // Without Math.round: this loop runs for every stored row when an index opens.
  for (let d = 0; d < dims; d++) {
    const q = source[offset + d]! * inverse;
    target[targetOffset + d] = q >= 0 ? (q + 0.5) | 0 : (q - 0.5) | 0;
  }
  return scale;
}
