import { AutoModelForSequenceClassification, AutoTokenizer, type PreTrainedModel, type PreTrainedTokenizer, type Tensor } from '@huggingface/transformers';
import { InvalidArgumentError, ModelLoadError, describeValue } from '../errors.js';
import type { ProgressCallback } from '../progress.js';
import { autoDevice } from '../runtime/capabilities.js';
import { countingRuntimeDownload, modelLoadProgress } from '../runtime/model-progress.js';
import { modelLoadError, requestMark } from '../runtime/model-requests.js';
import { applyModelSource, type ModelSource } from '../runtime/transformers-env.js';
import { MetadataMode } from '../schema/metadata-mode.js';
import { TextNode, type Metadata, type NodeWithScore } from '../schema/node.js';
import type { BaseNodePostprocessor, PostprocessOptions } from './similarity-postprocessor.js';

export interface SentenceTransformerRerankOptions {
  /**
   * A cross-encoder (BertForSequenceClassification with one label) on the Hub, or a folder under
   * `modelSource.localModelPath`.
   * @default "Xenova/ms-marco-MiniLM-L-6-v2"
   */
  model?: string;
  /** Nodes kept, best first. @default 2 */
  topN?: number;
  /** @default "auto" (WebGPU on a hardware GPU, else WASM) */
  device?: 'auto' | 'webgpu' | 'wasm';
  /** (query, passage) pairs per model call. @default 16 */
  batchSize?: number;
  /** Keep the first stage's score in the node's metadata as `retrieval_score`. @default false */
  keepRetrievalScore?: boolean;
  modelSource?: ModelSource;
  /** Model download and scoring progress (`load-model`, then `rerank` pairs). */
  onProgress?: ProgressCallback;
}

/**
 * LlamaIndex's `SentenceTransformerRerank`: scores each (query, node) pair with a transformers.js
 * cross-encoder, reading the node as it was embedded (`MetadataMode.EMBED`), and keeps the `topN`
 * best, their scores the cross-encoder's (a sigmoid of its logit, 0 to 1). The usual fix for a weak
 * first stage: retrieve more (similarityTopK 10–20), rerank to a few.
 *
 * @example
 * const reranker = new SentenceTransformerRerank({ topN: 3 });
 * const engine = index.asQueryEngine({ llm, similarityTopK: 15, nodePostprocessors: [reranker] });
 */
export class SentenceTransformerRerank implements BaseNodePostprocessor {
  readonly model: string;
  readonly topN: number;
  readonly batchSize: number;
  private readonly options: SentenceTransformerRerankOptions;
  private loading: Promise<{ tokenizer: PreTrainedTokenizer; model: PreTrainedModel }> | undefined;

  constructor(options: SentenceTransformerRerankOptions = {}) {
    this.options = options;
    this.model = options.model ?? 'Xenova/ms-marco-MiniLM-L-6-v2';
    this.topN = options.topN ?? 2;
    this.batchSize = options.batchSize ?? 16;
    if (!Number.isInteger(this.topN) || this.topN < 1) throw new InvalidArgumentError(`Expected topN to be a positive integer, got ${describeValue(options.topN)}.`);
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) throw new InvalidArgumentError(`Expected batchSize to be a positive integer, got ${describeValue(options.batchSize)}.`);
  }

  /** Loads the cross-encoder once; later calls share the promise. */
  load(options: { onProgress?: ProgressCallback } = {}): Promise<void> {
    const mark = requestMark();
    this.loading ??= this.doLoad(options.onProgress ?? this.options.onProgress).catch((error: unknown) => {
      this.loading = undefined;
      throw error instanceof ModelLoadError ? error : modelLoadError(`reranker "${this.model}"`, this.model, mark, error);
    });
    return this.loading.then(() => undefined);
  }

  async postprocessNodes(nodes: NodeWithScore[], query?: string, options: PostprocessOptions = {}): Promise<NodeWithScore[]> {
    if (typeof query !== 'string') throw new InvalidArgumentError(`SentenceTransformerRerank needs the query to score nodes against, got ${describeValue(query)}.`);
    const { signal } = options;
    signal?.throwIfAborted();
    if (nodes.length === 0) return [];
    await this.load();
    const { tokenizer, model } = (await this.loading)!;
    const scores: number[] = [];
    for (let i = 0; i < nodes.length; i += this.batchSize) {
      signal?.throwIfAborted();
      const passages = nodes.slice(i, i + this.batchSize).map((n) => n.node.getContent(MetadataMode.EMBED));
      const inputs = tokenizer(new Array<string>(passages.length).fill(query), { text_pair: passages, padding: true, truncation: true });
      const { logits } = (await model(inputs)) as { logits: Tensor };
      const data = logits.data as Float32Array;
      // One logit per pair (num_labels 1), as sentence-transformers' CrossEncoder, through a sigmoid.
      for (let p = 0; p < passages.length; p++) scores.push(1 / (1 + Math.exp(-data[p * (logits.dims.at(-1) ?? 1)]!)));
      this.options.onProgress?.({ phase: 'rerank', done: Math.min(i + this.batchSize, nodes.length), total: nodes.length });
    }
    signal?.throwIfAborted();
    return nodes
      .map(({ node, score }, i) => ({
        node: this.options.keepRetrievalScore ? withMetadata(node, { ...node.metadata, retrieval_score: score }) : node,
        score: scores[i]!,
      }))
      .sort((a, b) => b.score - a.score)
      .slice(0, this.topN);
  }

  private async doLoad(onProgress: ProgressCallback | undefined): Promise<{ tokenizer: PreTrainedTokenizer; model: PreTrainedModel }> {
    const requested = this.options.device ?? 'auto';
    const device = requested === 'auto' ? await autoDevice() : requested;
    await applyModelSource(this.options.modelSource);
    const progress_callback = modelLoadProgress(onProgress, this.model);
    const tokenizer = await AutoTokenizer.from_pretrained(this.model, { progress_callback });
    const model = await countingRuntimeDownload(progress_callback, () => AutoModelForSequenceClassification.from_pretrained(this.model, { device, progress_callback }));
    return { tokenizer, model };
  }
}

function withMetadata(node: TextNode, metadata: Metadata): TextNode {
  const { id, text, refDocId, startCharIdx, endCharIdx, format } = node;
  return new TextNode({ id, text, metadata, format, ...(refDocId !== undefined && { refDocId }), ...(startCharIdx !== undefined && { startCharIdx }), ...(endCharIdx !== undefined && { endCharIdx }) });
}
