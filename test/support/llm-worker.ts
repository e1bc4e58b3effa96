// A Web Worker that serves the fixture LLM (settings come in the worker's `name`, as JSON).
import { TransformersLLM } from '../../src/llms/transformers-llm.js';
import { exposeLLM } from '../../src/worker/expose-llm.js';
import { FIXTURE_DECODER, FIXTURE_SOURCE } from './fixtures.js';

const settings = JSON.parse(self.name || '{}') as { model?: string; maxNewTokens?: number };
exposeLLM(new TransformersLLM({ model: settings.model ?? FIXTURE_DECODER, device: 'wasm', maxNewTokens: settings.maxNewTokens ?? 60, modelSource: FIXTURE_SOURCE }));
