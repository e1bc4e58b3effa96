import { describe, expect, test } from 'vitest';
import { CitationQueryEngine } from '../../src/engines/citation-query-engine.js';
import { LocalRAGEngine } from '../../src/engines/rag-engine.js';
import type { PageragEvent } from '../../src/events.js';
import { VectorStoreIndex } from '../../src/indices/vector-store-index.js';
import { SimilarityPostprocessor } from '../../src/postprocessors/similarity-postprocessor.js';
import { Response } from '../../src/responses/response.js';
import { StreamingResponse } from '../../src/responses/streaming-response.js';
import type { BaseRetriever } from '../../src/retrieval/retriever.js';
import { Document } from '../../src/schema/document.js';
import { TextNode, type NodeWithScore } from '../../src/schema/node.js';
import { MemoryVectorStore } from '../../src/storage/memory-vector-store.js';
import { fixtureEmbedding } from '../support/models.js';
import { ScriptedLLM } from '../support/scripted-llm.js';

const sentences = (n: number, topic: string) => Array.from({ length: n }, (_, i) => `Fact ${i} about ${topic} is here.`).join(' ');

function retrieverOf(nodes: NodeWithScore[]): BaseRetriever {
  return { retrieve: async () => nodes };
}

describe('CitationQueryEngine', () => {
  test('numbers the sources across nodes, asks for [n] citations, and returns the numbered sources, first when streaming', async () => {
    const long = new TextNode({ id: 'rivers', text: sentences(12, 'rivers'), metadata: { title: 'Rivers' }, refDocId: 'rivers' });
    const short = new TextNode({ id: 'mills', text: 'Mills grind wheat.', refDocId: 'mills' });
    const llm = new ScriptedLLM({ respond: () => ['Mills', 'grind', 'wheat', '[2].'] });
    const events: PageragEvent[] = [];
    const engine = new CitationQueryEngine({
      retriever: retrieverOf([
        { node: long, score: 0.9 },
        { node: short, score: 0.8 },
      ]),
      llm,
      streaming: true,
      citationChunkSize: 30,
      citationChunkOverlap: 0,
      onEvent: (e) => events.push(e),
    });
    const response = await engine.query('What do mills grind?');
    expect(response).toBeInstanceOf(StreamingResponse);
    // The long node became several sources; numbering runs on across nodes.
    const sources = response.sourceNodes;
    expect(sources.length).toBeGreaterThan(2);
    expect(sources.map((s) => s.node.text.split('\n')[0])).toEqual(sources.map((_, i) => `Source ${i + 1}:`));
    expect(sources.at(-1)!.node.text).toBe(`Source ${sources.length}:\nMills grind wheat.\n`);
    expect(sources.map((s) => s.node.id)).toEqual([...sources.slice(0, -1).map(() => 'rivers'), 'mills']);
    expect(sources[0]!.node.metadata).toEqual({ title: 'Rivers' });
    // The sources were there (retrieve-end) before the LLM wrote anything.
    const retrieveEnd = events.find((e) => e.type === 'retrieve-end') as Extract<PageragEvent, { type: 'retrieve-end' }>;
    expect(retrieveEnd.nodes).toEqual(sources);
    expect(events.some((e) => e.type === 'llm-delta')).toBe(false);

    let answer = '';
    for await (const delta of response.responseGen) answer += delta;
    expect(answer).toBe('Mills grind wheat [2].');
    const prompt = llm.calls.at(-1)!.prompt;
    expect(prompt).toContain('cite the appropriate source(s) using their corresponding numbers');
    expect(prompt).toContain(`Source ${sources.length}:\nMills grind wheat.`);
    expect(prompt).toContain('title: Rivers');
    expect(prompt).toContain('Query: What do mills grind?\nAnswer: ');
  });

  test('fromArgs over an index; postprocessors run before numbering; getFormattedSources as LlamaIndex prints them', async () => {
    const index = await VectorStoreIndex.fromDocuments(
      [new Document({ id: 'a', text: sentences(3, 'boats') }), new Document({ id: 'b', text: 'Bread is baked at dawn.' })],
      { embedModel: fixtureEmbedding(), vectorStore: new MemoryVectorStore(), embedMetadata: false },
    );
    const llm = new ScriptedLLM();
    const engine = CitationQueryEngine.fromArgs(index, { llm, similarityTopK: 2, nodePostprocessors: [new SimilarityPostprocessor({ similarityCutoff: -1 })] });
    const response = await engine.query('boats');
    expect(response).toBeInstanceOf(Response);
    expect(response.sourceNodes.map((s) => s.node.text.slice(0, 9))).toEqual(['Source 1:', 'Source 2:']);
    const formatted = response.getFormattedSources(20);
    expect(formatted.split('\n\n')).toHaveLength(2);
    const [first] = response.sourceNodes;
    // LlamaIndex's truncate_text: the first length - 3 characters and "...".
    expect(formatted.startsWith(`> Source (Doc id: ${first!.node.id}): ${first!.node.text.slice(0, 17)}...\n\n> Source (Doc id: `)).toBe(true);
    expect(response.getFormattedSources(1000)).toContain('Source 2:');

    // The RAG engine (and so the demo's worker) answers the same way when asked.
    const rag = new LocalRAGEngine({ index, llm, similarityTopK: 1, citations: { citationChunkSize: 4, citationChunkOverlap: 0 } });
    const streamed = await rag.query('boats');
    expect(streamed.sourceNodes.length).toBeGreaterThan(1);
    expect(streamed.sourceNodes.map((s) => s.node.text.split('\n')[0])).toEqual(streamed.sourceNodes.map((_, i) => `Source ${i + 1}:`));
    for await (const _ of streamed.responseGen);
    expect(llm.calls.at(-1)!.prompt).toContain('cite the appropriate source(s)');
  });
});
