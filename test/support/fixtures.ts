import type { ModelSource } from '../../src/runtime/transformers-env.js';

/** Fixture models are served by the test server from models/ (built by scripts/fixtures/make-fixtures.mjs). */
export const FIXTURE_SOURCE: ModelSource = {
  localModelPath: '/models/',
  allowRemoteModels: false,
  useBrowserCache: false,
};

export const FIXTURE_ENCODER = 'fixtures/bert-tiny';
export const FIXTURE_DECODER = 'fixtures/llama-tiny';

interface Manifest {
  models: Record<string, { id: string; bytes: number } | undefined>;
}

let manifest: Promise<Manifest> | undefined;

/** Fixtures built with the real tokenizers exist only where ../shared/models was present. */
export async function realTokenizerFixture(kind: 'minilm' | 'smollm'): Promise<string | undefined> {
  manifest ??= fetch('/models/fixtures/manifest.json').then((r) => r.json() as Promise<Manifest>);
  return (await manifest).models[kind]?.id;
}

/** Every resource this page loaded, with the ones from another origin listed separately. */
export function foreignRequests(): string[] {
  return performance
    .getEntriesByType('resource')
    .map((entry) => entry.name)
    .filter((url) => new URL(url, location.href).origin !== location.origin);
}
