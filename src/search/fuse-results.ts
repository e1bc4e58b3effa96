import { InvalidArgumentError, describeValue } from '../errors.js';

export type FusionMode = 'reciprocal_rerank' | 'relative_score' | 'dist_based_score';

/**
 * Hybrid search's two rules, shared by the store's `mode: 'hybrid'` and the index's hybrid
 * retriever: each side reads a deeper list than `topK`, so fusion can promote what only one side
 * found; `alpha` weighs the vector side (1 − alpha the keywords), 0.5 unless given.
 */
export function hybridPlan(topK: number, alpha: unknown = 0.5): { depth: number; weights: [number, number] } {
  if (typeof alpha !== 'number' || !(alpha >= 0 && alpha <= 1)) {
    throw new InvalidArgumentError(`Expected alpha to be a number from 0 (keywords only) to 1 (vectors only), got ${describeValue(alpha)}.`);
  }
  return { depth: Math.max(10, 4 * topK), weights: [alpha, 1 - alpha] };
}

/** One ranked list's item: `key` says which items of different lists are the same. */
export interface Ranked<T> {
  key: string;
  item: T;
  score: number;
}

/**
 * Fuses ranked lists for one query, LlamaIndex-style: `reciprocal_rerank` sums 1 / (rrfK + rank);
 * `relative_score` min-max normalises each list's scores and sums them by weight;
 * `dist_based_score` normalises by mean ± 3 standard deviations instead. Highest first, top `k`.
 */
export function fuseResults<T>(lists: readonly (readonly Ranked<T>[])[], options: { mode: FusionMode; weights: readonly number[]; k: number; rrfK?: number }): { item: T; score: number }[] {
  const { mode, weights, k, rrfK = 60 } = options;
  const fused = new Map<string, { item: T; score: number }>();
  const add = (entry: Ranked<T>, score: number) => {
    const existing = fused.get(entry.key);
    if (existing) existing.score += score;
    else fused.set(entry.key, { item: entry.item, score });
  };
  lists.forEach((list, r) => {
    if (mode === 'reciprocal_rerank') {
      list.forEach((entry, rank) => add(entry, 1 / (rrfK + rank + 1)));
      return;
    }
    const scores = list.map((i) => i.score);
    let low: number;
    let high: number;
    if (mode === 'relative_score') {
      low = Math.min(...scores);
      high = Math.max(...scores);
    } else {
      const mean = scores.reduce((a, b) => a + b, 0) / Math.max(1, scores.length);
      const sd = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, scores.length));
      low = mean - 3 * sd;
      high = mean + 3 * sd;
    }
    const span = high - low;
    list.forEach((entry) => add(entry, weights[r]! * (span > 0 ? (entry.score - low) / span : 1)));
  });
  return [...fused.values()].sort((a, b) => b.score - a.score).slice(0, k);
}
