import { describe, expect, test } from 'vitest';
import { RetrieverQueryEngine } from '../../src/engines/retriever-query-engine.js';
import { InvalidArgumentError, NotImplementedError } from '../../src/errors.js';
import type { PageragEvent } from '../../src/events.js';
import { Response } from '../../src/responses/response.js';
import { StreamingResponse } from '../../src/responses/streaming-response.js';
import type { BaseRetriever } from '../../src/retrieval/retriever.js';
import type { NodeWithScore } from '../../src/schema/node.js';
import { EMPTY_RESPONSE, getResponseSynthesizer, type ResponseMode, type ResponseSynthesizer } from '../../src/synthesizers/response-synthesizer.js';
import { ScriptedLLM, nodeWithScore } from '../support/scripted-llm.js';

const THREE = [nodeWithScore('alpha facts about cats', 'n1'), nodeWithScore('beta facts about dogs', 'n2'), nodeWithScore('gamma facts about birds', 'n3')];

function fixedRetriever(nodes: NodeWithScore[]): BaseRetriever {
  return { retrieve: async () => nodes as NodeWithScore[] };
}

function engine<S extends boolean>(llm: ScriptedLLM, streaming: S, responseMode: ResponseMode = 'compact', nodes = THREE as NodeWithScore[]) {
  return new RetrieverQueryEngine({ retriever: fixedRetriever(nodes), responseSynthesizer: getResponseSynthesizer({ llm, streaming, responseMode }) as ResponseSynthesizer<S> });
}

describe('response synthesizers with a scripted LLM', () => {
  test('refine over 3 nodes: 2 non-streamed calls, then 1 streamed; query() resolves when the 3rd starts', async () => {
    const llm = new ScriptedLLM({ delayMs: 20 });
    const response = await engine(llm, true, 'refine').query('What about animals?');
    expect(response).toBeInstanceOf(StreamingResponse);
    expect(llm.calls.map((c) => c.streamed)).toEqual([false, false, true]);
    expect(llm.calls[1]!.endedAt).toBeDefined();
    expect(llm.calls[2]!.endedAt).toBeUndefined();
    expect(response.done).toBe(false);
    expect(llm.calls[1]!.prompt).toContain('We have provided an existing answer: answer 1 from the scripted model');
    expect(llm.calls[2]!.prompt).toContain('gamma facts about birds');
    const deltas: string[] = [];
    for await (const d of response.responseGen) deltas.push(d);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('answer 3 from the scripted model');
    expect((await response.getResponse()).response).toBe('answer 3 from the scripted model');
    expect(response.sourceNodes.map((n) => n.node.id)).toEqual(['n1', 'n2', 'n3']);
    expect(Object.keys(response.metadata)).toEqual(['n1', 'n2', 'n3']);
    expect(response.firstTokenMs).toBeGreaterThan(0);
  });

  test('compact packs all chunks into one streamed call; sourceNodes exist before the first token', async () => {
    const llm = new ScriptedLLM({ delayMs: 30 });
    const response = await engine(llm, true).query('q');
    expect(response.sourceNodes).toHaveLength(3);
    expect(response.toString()).toBe('');
    expect(llm.calls).toHaveLength(1);
    expect(llm.calls[0]!.prompt).toContain('alpha facts about cats\n\nbeta facts about dogs\n\ngamma facts about birds');
    expect((await response.getResponse()).response).toBe('answer 1 from the scripted model');
  });

  test('tree_summarize summarizes packs that do not fit, then streams the final call only', async () => {
    const long = (tag: string) => nodeWithScore(`${tag} ${'word '.repeat(60)}`, tag);
    const llm = new ScriptedLLM({ delayMs: 1, contextWindow: 200, numOutput: 20 });
    const response = await engine(llm, true, 'tree_summarize', [long('a'), long('b'), long('c'), long('d')]).query('q');
    expect(llm.calls.length).toBeGreaterThan(2);
    expect(llm.calls.slice(0, -1).every((c) => !c.streamed)).toBe(true);
    expect(llm.calls.at(-1)!.streamed).toBe(true);
    for (const call of llm.calls) expect(llm.countTokens(call.prompt)).toBeLessThanOrEqual(200 - 20);
    await response.getResponse();
  });

  test('no prompt overflows the context window in any mode', async () => {
    const big = Array.from({ length: 6 }, (_, i) => nodeWithScore(`chunk ${i} ${'token '.repeat(150)}`, `b${i}`));
    for (const mode of ['compact', 'refine', 'tree_summarize', 'simple_summarize', 'generation'] as const) {
      const llm = new ScriptedLLM({ delayMs: 0, contextWindow: 256, numOutput: 32 });
      await (await engine(llm, false, mode, big).query('what is in the chunks?')).toString();
      expect(llm.calls.length).toBeGreaterThan(0);
      for (const call of llm.calls) expect(llm.countTokens(call.prompt)).toBeLessThanOrEqual(256 - 32);
    }
  });

  test('non-streaming modes return a Response; accumulate joins one answer per chunk', async () => {
    const llm = new ScriptedLLM({ delayMs: 0 });
    const accumulated = await engine(llm, false, 'accumulate').query('q');
    expect(accumulated).toBeInstanceOf(Response);
    expect(accumulated.response).toBe(
      'Response 1: answer 1 from the scripted model\n---------------------\nResponse 2: answer 2 from the scripted model\n---------------------\nResponse 3: answer 3 from the scripted model',
    );
    const generated = await engine(new ScriptedLLM({ delayMs: 0 }), false, 'generation').query('Tell me a joke');
    expect(generated.response).toBe('answer 1 from the scripted model');
  });

  test('accumulate and compact_accumulate refuse streaming with a clear error', () => {
    const llm = new ScriptedLLM();
    expect(() => getResponseSynthesizer({ llm, streaming: true, responseMode: 'accumulate' })).toThrow(/makes one LLM call per chunk and cannot stream/);
    expect(() => getResponseSynthesizer({ llm, streaming: true, responseMode: 'compact_accumulate' })).toThrow(InvalidArgumentError);
    expect(() => getResponseSynthesizer({ llm, responseMode: 'fancy' as ResponseMode })).toThrow(/Unknown responseMode "fancy"/);
  });

  test('no_text and context_only return a plain Response without calling the LLM, even when streaming', async () => {
    const llm = new ScriptedLLM();
    const noText = await new RetrieverQueryEngine({ retriever: fixedRetriever(THREE as NodeWithScore[]), responseSynthesizer: getResponseSynthesizer({ llm, streaming: true, responseMode: 'no_text' }) }).query('q');
    expect(noText).toBeInstanceOf(Response);
    expect(noText.response).toBe('');
    expect(noText.sourceNodes).toHaveLength(3);
    const contextOnly = await new RetrieverQueryEngine({ retriever: fixedRetriever(THREE as NodeWithScore[]), responseSynthesizer: getResponseSynthesizer({ llm, streaming: true, responseMode: 'context_only' }) }).query('q');
    expect(contextOnly.response).toBe('alpha facts about cats\n\nbeta facts about dogs\n\ngamma facts about birds');
    expect(llm.calls).toHaveLength(0);
  });

  test('with no retrieved nodes a streaming query still gives a StreamingResponse of "Empty Response"', async () => {
    const llm = new ScriptedLLM();
    for (const mode of ['compact', 'refine', 'tree_summarize', 'simple_summarize'] as const) {
      const response = await engine(llm, true, mode, []).query('q');
      expect(response).toBeInstanceOf(StreamingResponse);
      const deltas: string[] = [];
      for await (const d of response.responseGen) deltas.push(d);
      expect(deltas).toEqual([EMPTY_RESPONSE]);
    }
    expect(llm.calls).toHaveLength(0);
    expect((await engine(llm, false, 'compact', []).query('q')).response).toBe(EMPTY_RESPONSE);
    // As LlamaIndex's BaseSynthesizer: before any mode runs, the text-only ones included.
    for (const mode of ['no_text', 'context_only', 'accumulate'] as const) {
      const response = await engine(llm, false, mode, []).query('q');
      expect([response.constructor, response.response]).toEqual([Response, EMPTY_RESPONSE]);
    }
    expect(llm.calls).toHaveLength(0);
  });

  test('an LLM that cannot stream gives NotImplementedError', () => {
    const llm = new ScriptedLLM({ supportsStreaming: false });
    expect(() => getResponseSynthesizer({ llm, streaming: true })).toThrow(NotImplementedError);
    try {
      getResponseSynthesizer({ llm, streaming: true });
    } catch (error) {
      expect((error as Error).name).toBe('NotImplementedError');
      expect((error as Error).message).toMatch(/cannot stream/);
    }
    expect(() => getResponseSynthesizer({ llm, streaming: false })).not.toThrow();
  });

  test('break after 2 deltas stops the model, and the next query works', async () => {
    const llm = new ScriptedLLM({ delayMs: 10, respond: () => 'one two three four five six seven eight nine ten'.split(' ') });
    const queryEngine = engine(llm, true);
    const response = await queryEngine.query('q');
    const seen: string[] = [];
    for await (const d of response.responseGen) {
      seen.push(d);
      if (seen.length === 2) break;
    }
    expect(llm.calls[0]!.stopped).toBe(true);
    const producedAtBreak = llm.calls[0]!.produced;
    await new Promise((r) => setTimeout(r, 60));
    expect(llm.calls[0]!.produced).toBe(producedAtBreak);
    expect(producedAtBreak).toBeLessThanOrEqual(3);
    expect(llm.activeTimers).toBe(0);
    expect(response.toString()).toBe('one two');
    expect((await response.getResponse()).response).toBe('one two');

    const next = await queryEngine.query('q2');
    expect((await next.getResponse()).response).toBe('one two three four five six seven eight nine ten');
  });

  test('aborting through signal rejects with an AbortError and leaves the engine usable', async () => {
    const llm = new ScriptedLLM({ delayMs: 10 });
    const queryEngine = engine(llm, true, 'refine');
    const early = new AbortController();
    early.abort();
    await expect(queryEngine.query('q', { signal: early.signal })).rejects.toMatchObject({ name: 'AbortError' });

    const controller = new AbortController();
    const response = await queryEngine.query('q', { signal: controller.signal });
    const reading = (async () => {
      for await (const d of response.responseGen) if (d) controller.abort();
    })();
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
    expect(llm.calls.at(-1)!.stopped).toBe(true);
    expect(llm.activeTimers).toBe(0);

    const again = await queryEngine.query('q');
    expect((await again.getResponse()).response).toBe(`answer ${llm.calls.length} from the scripted model`);
  });

  test('getResponse after a partial read returns the whole answer', async () => {
    const llm = new ScriptedLLM({ delayMs: 2 });
    const response = await engine(llm, true).query('q');
    const first = await response.responseGen.next();
    expect(first.value).toBe('answer');
    expect((await response.getResponse()).response).toBe('answer 1 from the scripted model');
    expect(String(response)).toBe('answer 1 from the scripted model');
  });

  test('printResponseStream writes to an element as text, to a WritableStream and to a callback', async () => {
    const hostile = ['<script>window.__pwned = true</script>', '<img src=x onerror="window.__pwned=true">', ' done'];
    const element = document.createElement('div');
    document.body.append(element);
    const response = await engine(new ScriptedLLM({ delayMs: 1, respond: () => hostile }), true).query('q');
    await response.printResponseStream(element);
    expect(element.textContent).toBe(hostile.map((w, i) => (i ? ` ${w}` : w)).join(''));
    expect(element.querySelector('script, img')).toBeNull();
    expect((window as { __pwned?: boolean }).__pwned).toBeUndefined();
    element.remove();

    const chunks: string[] = [];
    const stream = new WritableStream<string>({ write: (c) => void chunks.push(c) });
    await (await engine(new ScriptedLLM({ delayMs: 1 }), true).query('q')).printResponseStream(stream);
    expect(chunks.join('')).toBe('answer 1 from the scripted model');
    const viaCallback: string[] = [];
    await (await engine(new ScriptedLLM({ delayMs: 1 }), true).query('q')).printResponseStream((d) => viaCallback.push(d));
    expect(viaCallback.length).toBeGreaterThan(1);
    await expect((await engine(new ScriptedLLM(), true).query('q')).printResponseStream(42 as unknown as HTMLElement)).rejects.toThrow(InvalidArgumentError);
  });

  test('events describe the timeline in order', async () => {
    const events: PageragEvent[] = [];
    const llm = new ScriptedLLM({ delayMs: 1 });
    const queryEngine = new RetrieverQueryEngine({
      retriever: fixedRetriever(THREE as NodeWithScore[]),
      responseSynthesizer: getResponseSynthesizer({ llm, streaming: true, responseMode: 'refine', onEvent: (e) => events.push(e) }),
    });
    await (await queryEngine.query('q')).getResponse();
    const types = events.map((e) => e.type).filter((t, i, all) => t !== 'llm-delta' || all[i - 1] !== 'llm-delta');
    expect(types).toEqual([
      'retrieve-start',
      'retrieve-end',
      'synthesize-start',
      'llm-start',
      'llm-end',
      'llm-start',
      'llm-end',
      'llm-start',
      'llm-delta',
      'llm-end',
      'synthesize-end',
    ]);
  });

  test('a model error in the stream surfaces in the consumer', async () => {
    const response = await engine(new ScriptedLLM({ delayMs: 1, failAfter: 2 }), true).query('q');
    await expect(response.getResponse()).rejects.toThrow('scripted model failure');
    expect(response.toString()).toBe('answer 1');
  });
});
