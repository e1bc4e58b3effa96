// The web-llm worker as an app makes it: pagerag's entry, imported for its side effect.
import '../../../src/worker/webllm-worker.js';
