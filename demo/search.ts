// The demo's page for <pagerag-search>: the component over the demo's prebuilt sample snapshot.
// `?models=fixtures` uses the tiny self-made models, as on the main demo page.
import 'pagerag/ui';
import snapshotUrl from 'virtual:pagerag-snapshot';

const fixtures = new URLSearchParams(location.search).get('models') === 'fixtures';
const search = document.createElement('pagerag-search');
const host = document.querySelector('#search-host')!;
if (snapshotUrl === null) {
  host.textContent = 'This build of the demo has no prebuilt snapshot (no embedding model was found under models/ at build time).';
} else {
  search.setAttribute('index', snapshotUrl);
  if (fixtures) {
    search.setAttribute('models', new URL('../models/', location.href).href);
    search.setAttribute('llm-model', 'fixtures/llama-tiny');
    search.setAttribute('citations', 'off');
  }
  host.append(search);
}
