import { InvalidArgumentError, describeValue } from '../errors.js';
import type { EventCallback } from '../events.js';
import type { RetrieverOptions } from '../indices/index-retriever.js';
import type { VectorStoreIndex } from '../indices/vector-store-index.js';
import { SentenceSplitter } from '../ingestion/sentence-splitter.js';
import { countLLMTokens, type LLM } from '../llms/types.js';
import type { BaseNodePostprocessor } from '../postprocessors/similarity-postprocessor.js';
import { PromptTemplate, defaultCitationQaPrompt, defaultCitationRefinePrompt } from '../prompts/prompt-template.js';
import type { BaseRetriever } from '../retrieval/retriever.js';
import { TextNode, type NodeWithScore } from '../schema/node.js';
import type { MetadataFilters } from '../search/metadata-filters.js';
import { getResponseSynthesizer, type ResponseMode, type ResponseSynthesizer } from '../synthesizers/response-synthesizer.js';
import { RetrieverQueryEngine } from './retriever-query-engine.js';

export interface CitationQueryEngineOptions<S extends boolean> {
  retriever: BaseRetriever;
  llm: LLM;
  /** @default false */
  streaming?: S;
  /** @default "compact" */
  responseMode?: Exclude<ResponseMode, 'no_text' | 'context_only'>;
  /** Tokens (of the LLM's tokenizer) per numbered source. @default 512 */
  citationChunkSize?: number;
  /** @default 20 */
  citationChunkOverlap?: number;
  /** @default LlamaIndex's CITATION_QA_TEMPLATE */
  citationQaTemplate?: PromptTemplate;
  /** @default LlamaIndex's CITATION_REFINE_TEMPLATE */
  citationRefineTemplate?: PromptTemplate;
  /** Run before the nodes are cut into numbered sources (a reranker, a cutoff). */
  nodePostprocessors?: BaseNodePostprocessor[];
  onEvent?: EventCallback;
}

/**
 * LlamaIndex's `CitationQueryEngine`: the retrieved nodes are cut into numbered sources
 * ("Source 1:\n…"), the LLM is asked to cite them as [1], [2], and the response's `sourceNodes` are
 * those numbered sources, in order, there before the first token when streaming.
 *
 * @example
 * const engine = CitationQueryEngine.fromArgs(index, { llm, streaming: true, similarityTopK: 3 });
 * const response = await engine.query('What did the author do growing up?');
 * for await (const delta of response.responseGen) output.append(delta); // "… [1] … [2]"
 * console.log(response.getFormattedSources());
 */
export class CitationQueryEngine<S extends boolean = false> extends RetrieverQueryEngine<S> {
  constructor(options: CitationQueryEngineOptions<S>) {
    const { retriever, llm, streaming, onEvent } = options ?? ({} as CitationQueryEngineOptions<S>);
    const chunkSize = options?.citationChunkSize ?? 512;
    const chunkOverlap = options?.citationChunkOverlap ?? 20;
    if (!llm || typeof llm.complete !== 'function') throw new InvalidArgumentError(`Expected llm to be an LLM, got ${describeValue(llm)}.`);
    const splitter = new SentenceSplitter({ chunkSize, chunkOverlap, countTokens: (text) => countLLMTokens(llm, text) });
    const responseSynthesizer = getResponseSynthesizer({
      llm,
      ...(streaming !== undefined && { streaming }),
      ...(options.responseMode && { responseMode: options.responseMode }),
      textQaTemplate: options.citationQaTemplate ?? defaultCitationQaPrompt,
      refineTemplate: options.citationRefineTemplate ?? defaultCitationRefinePrompt,
      ...(onEvent && { onEvent }),
    }) as ResponseSynthesizer<S>;
    super({ retriever, responseSynthesizer, nodePostprocessors: [...(options.nodePostprocessors ?? []), new NumberedSources(splitter)], ...(onEvent && { onEvent }) });
  }

  /** LlamaIndex's `CitationQueryEngine.from_args(index, …)`. */
  static fromArgs<S extends boolean = false>(
    index: VectorStoreIndex,
    options: Omit<CitationQueryEngineOptions<S>, 'retriever'> & { similarityTopK?: number; filters?: MetadataFilters; retrieverMode?: RetrieverOptions['mode'] },
  ): CitationQueryEngine<S> {
    const { similarityTopK, filters, retrieverMode, ...rest } = options;
    const retriever = index.asRetriever({ ...(retrieverMode && { mode: retrieverMode }), ...(similarityTopK !== undefined && { similarityTopK }), ...(filters && { filters }) });
    return new CitationQueryEngine({ ...rest, retriever });
  }
}

/** Cuts each node's text into chunks and numbers them across all nodes, as LlamaIndex's `_create_citation_nodes`. */
class NumberedSources implements BaseNodePostprocessor {
  constructor(private readonly splitter: SentenceSplitter) {}

  postprocessNodes(nodes: NodeWithScore[]): NodeWithScore[] {
    const numbered: NodeWithScore[] = [];
    for (const { node, score } of nodes) {
      for (const chunk of this.splitter.splitText(node.text)) {
        const text = `Source ${numbered.length + 1}:\n${chunk}\n`;
        // The source node's id, metadata and format: a citation still says where it is from.
        numbered.push({ node: new TextNode({ id: node.id, text, metadata: node.metadata, ...(node.refDocId !== undefined && { refDocId: node.refDocId }), format: node.format }), score });
      }
    }
    return numbered;
  }
}
