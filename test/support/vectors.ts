import { createRandom } from '../../scripts/fixtures/onnx-graph.mjs';

/**
 * A clustered synthetic set: a normalized Gaussian mixture (cluster centres plus noise), and
 * queries drawn the same way. Deterministic for a seed.
 */
export function clusteredVectors({
  rows,
  dims,
  queries,
  clusters,
  seed,
  centresSeed = seed,
  noise = 0.6,
}: {
  rows: number;
  dims: number;
  queries: number;
  clusters: number;
  seed: number;
  /** Seed of the cluster centres, so sets generated in chunks share them. */
  centresSeed?: number;
  noise?: number;
}) {
  const centreRandom = createRandom(centresSeed);
  const centres = Array.from({ length: clusters }, () => Float32Array.from({ length: dims }, () => centreRandom.gaussian()));
  const random = createRandom(seed + 1);
  const sample = (out: Float32Array, offset: number) => {
    const centre = centres[Math.floor(random.uniform() * clusters)]!;
    let norm = 0;
    for (let d = 0; d < dims; d++) {
      const v = centre[d]! + noise * random.gaussian();
      out[offset + d] = v;
      norm += v * v;
    }
    const inv = 1 / Math.sqrt(norm);
    for (let d = 0; d < dims; d++) out[offset + d]! *= inv;
  };
  const vectors = new Float32Array(rows * dims);
  for (let r = 0; r < rows; r++) sample(vectors, r * dims);
  const qs = Array.from({ length: queries }, () => {
    const q = new Float32Array(dims);
    sample(q, 0);
    return q;
  });
  return { vectors, queries: qs };
}
