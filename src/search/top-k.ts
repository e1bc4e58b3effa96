/**
 * Keeps the k highest scores seen, in a binary min-heap: O(n log k) instead of sorting all n.
 * Rows with equal scores are ordered by row number, so results are deterministic.
 */
export class TopK {
  private readonly scores: Float64Array;
  private readonly rows: Int32Array;
  private size = 0;

  constructor(readonly k: number) {
    this.scores = new Float64Array(k);
    this.rows = new Int32Array(k);
  }

  /** The score a new row must beat to enter (−Infinity until k rows are held). */
  get threshold(): number {
    return this.size < this.k ? -Infinity : this.scores[0]!;
  }

  push(row: number, score: number): void {
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.less(score, row, this.scores[parent]!, this.rows[parent]!)) break;
        this.scores[i] = this.scores[parent]!;
        this.rows[i] = this.rows[parent]!;
        i = parent;
      }
      this.scores[i] = score;
      this.rows[i] = row;
      return;
    }
    if (!this.less(this.scores[0]!, this.rows[0]!, score, row)) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.size) break;
      const right = left + 1;
      const child = right < this.size && this.less(this.scores[right]!, this.rows[right]!, this.scores[left]!, this.rows[left]!) ? right : left;
      if (!this.less(this.scores[child]!, this.rows[child]!, score, row)) break;
      this.scores[i] = this.scores[child]!;
      this.rows[i] = this.rows[child]!;
      i = child;
    }
    this.scores[i] = score;
    this.rows[i] = row;
  }

  /** Highest score first. */
  sorted(): { row: number; score: number }[] {
    const out = Array.from({ length: this.size }, (_, i) => ({ row: this.rows[i]!, score: this.scores[i]! }));
    return out.sort((a, b) => b.score - a.score || a.row - b.row);
  }

  // "a ranks below b": lower score, or equal score and later row.
  private less(aScore: number, aRow: number, bScore: number, bRow: number): boolean {
    return aScore < bScore || (aScore === bScore && aRow > bRow);
  }
}
