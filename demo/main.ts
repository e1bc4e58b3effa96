// The demo page: UI only. All model and index work happens in engine-worker.ts, reached through
// WorkerRAGEngine from the light entry pagerag/client (no transformers.js on the main thread).
// Every text that comes from a document, a file name or the model is set with textContent:
// nothing is ever parsed as HTML.
import { Document, WorkerRAGEngine, chooseWebLLMModel, detectCapabilities, documentFileType, htmlToText, type NodeWithScore, type ProgressUpdate } from 'pagerag/client';
import snapshotUrl, { header as snapshotHeader } from 'virtual:pagerag-snapshot';
import { answerNodes, sourceText } from '../src/ui/answer-text.js';
import { sampleDocuments } from './sample-corpus.js';
import type { DemoSettings } from './settings.js';

interface DocInfo {
  id: string;
  name: string;
  chunks: number;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const FIXTURES = params.get('models') === 'fixtures';
// The fixture models keep settings of their own: ?models=fixtures and the plain URL never mix.
const SETTINGS_KEY = FIXTURES ? 'pagerag-demo-settings:fixtures' : 'pagerag-demo-settings';
const SEEDED_KEY = 'pagerag-demo-seeded';
// The component's page uses the same models as this one.
if (FIXTURES) document.querySelector<HTMLAnchorElement>('#widget-link')!.search = '?models=fixtures';
/** Set when the user agreed to a new embedding model: the settings to go back to on cancel. */
const REEMBED_KEY = 'pagerag-demo-reembed';

/** `?models=fixtures` runs on the tiny self-made models in models/fixtures (tests, offline machines). */
function fixtureSettings(): Partial<DemoSettings> {
  return {
    embedModel: 'fixtures/bert-tiny',
    llmKind: 'transformers',
    llmModel: 'fixtures/llama-tiny',
    modelsBaseUrl: new URL('models/', location.href).pathname,
    // The tiny test decoder's tokenizer is nearly per character: LlamaIndex's citation instructions
    // alone fill its context window.
    citations: false,
  };
}

async function defaultSettings(): Promise<DemoSettings> {
  const caps = await detectCapabilities();
  return {
    embedModel: 'Xenova/all-MiniLM-L6-v2',
    // A software WebGPU adapter (SwiftShader) is far too slow for web-llm: use WASM there.
    llmKind: caps.webgpu && !caps.fallbackAdapter ? 'webllm' : 'transformers',
    llmModel: caps.webgpu && !caps.fallbackAdapter ? chooseWebLLMModel(caps) : 'HuggingFaceTB/SmolLM2-360M-Instruct',
    modelsBaseUrl: '',
    similarityTopK: 2,
    responseMode: 'compact',
    citations: true,
    maxNewTokens: 256,
  };
}

async function loadSettings(): Promise<DemoSettings> {
  const defaults = await defaultSettings();
  let saved: Partial<DemoSettings> = {};
  try {
    saved = JSON.parse(localStorage.getItem(SETTINGS_KEY) ?? '{}') as Partial<DemoSettings>;
  } catch {
    saved = {};
  }
  const fromUrl: Partial<DemoSettings> = {};
  const maxTokens = Number(params.get('maxTokens'));
  if (maxTokens > 0) fromUrl.maxNewTokens = maxTokens;
  return { ...defaults, ...(FIXTURES && fixtureSettings()), ...saved, ...fromUrl };
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

const worker = new Worker(new URL('./engine-worker.ts', import.meta.url), { type: 'module' });
let engine: WorkerRAGEngine | undefined;
/** The engine once set up; a button used before (or after a failed setup) gets a clear message. */
function current(): WorkerRAGEngine {
  if (!engine) throw new Error('The engine is not ready: it is still loading, or failed to load (see the status line).');
  return engine;
}
// Index changes run one after another, and a question waits for the changes made before it.
let work: Promise<unknown> = Promise.resolve();

const ui = {
  capabilities: $<HTMLUListElement>('capabilities'),
  dropzone: $<HTMLLabelElement>('dropzone'),
  fileInput: $<HTMLInputElement>('file-input'),
  pasteName: $<HTMLInputElement>('paste-name'),
  pasteText: $<HTMLTextAreaElement>('paste-text'),
  pasteAdd: $<HTMLButtonElement>('paste-add'),
  progress: $<HTMLDivElement>('progress'),
  progressLabel: $<HTMLLabelElement>('progress-label'),
  progressBar: $<HTMLProgressElement>('progress-bar'),
  progressCount: $<HTMLSpanElement>('progress-count'),
  progressCancel: $<HTMLButtonElement>('progress-cancel'),
  docList: $<HTMLUListElement>('doc-list'),
  loadSamples: $<HTMLButtonElement>('load-samples'),
  clearIndex: $<HTMLButtonElement>('clear-index'),
  settingsForm: $<HTMLFormElement>('settings-form'),
  askForm: $<HTMLFormElement>('ask-form'),
  question: $<HTMLInputElement>('question'),
  askButton: $<HTMLButtonElement>('ask-button'),
  stopButton: $<HTMLButtonElement>('stop-button'),
  status: $<HTMLDivElement>('status'),
  answer: $<HTMLElement>('answer'),
  stats: $<HTMLParagraphElement>('stats'),
  sources: $<HTMLOListElement>('sources'),
};

let currentQuery = 0;
let asking = false;
let askStarted = 0;
let stopQuery: AbortController | undefined;
let llmLoaded = false;
const WAITING_FOR_MODEL = 'Waiting for the model to finish loading…';

function setStatus(text: string, isError = false): void {
  ui.status.textContent = text;
  ui.status.classList.toggle('error', isError);
}

const PHASES: Record<string, string> = { 'load-model': 'Loading model', download: 'Downloading the prebuilt index', split: 'Splitting documents', embed: 'Embedding chunks', store: 'Saving to the index' };

function showProgress({ phase, done, total, text }: ProgressUpdate): void {
  ui.progress.hidden = false;
  ui.progress.dataset.phase = phase;
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  ui.progressLabel.textContent = phase === 'store' && fraction >= 1 ? 'Indexing done' : `${PHASES[phase] ?? phase}${text ? `: ${text}` : ''}`;
  ui.progressBar.value = fraction;
  ui.progressCount.textContent =
    (phase === 'load-model' || phase === 'download') && total > 1
      ? `${(done / 1e6).toFixed(1)} / ${(total / 1e6).toFixed(1)} MB`
      : phase === 'load-model'
        ? `${Math.round(fraction * 100)}%`
        : `${done} / ${total}`;
  ui.progress.dataset.complete = String(fraction >= 1);
}

function renderDocs(docs: DocInfo[]): void {
  ui.docList.replaceChildren(
    ...docs.map((doc) => {
      const item = el('li');
      item.dataset.docId = doc.id;
      const name = el('span', doc.name, 'name');
      const meta = el('span', `${doc.chunks} chunk${doc.chunks === 1 ? '' : 's'}`, 'muted');
      const remove = el('button', 'Delete', 'danger');
      remove.type = 'button';
      remove.setAttribute('aria-label', `Delete ${doc.name}`);
      remove.addEventListener('click', () => change(() => current().deleteRefDoc(doc.id)));
      const left = el('span');
      left.append(name, document.createTextNode(' '), meta);
      item.append(left, remove);
      return item;
    }),
  );
  if (docs.length === 0) ui.docList.append(el('li', 'No documents yet.', 'muted'));
  ui.docList.dataset.count = String(docs.length);
}

function renderCapabilities(caps: Awaited<ReturnType<typeof detectCapabilities>>, llm: string, embedModel: string): void {
  const badge = (text: string, on: boolean) => {
    const item = el('li', text);
    if (!on) item.classList.add('off');
    return item;
  };
  const storage = caps.storage ? `${(caps.storage.usage / 1e6).toFixed(0)} MB used of ${(caps.storage.quota / 1e9).toFixed(1)} GB` : 'storage: unknown';
  ui.capabilities.replaceChildren(
    badge(caps.webgpu ? `WebGPU${caps.fallbackAdapter ? ' (software)' : ''}` : 'no WebGPU', caps.webgpu),
    badge(caps.shaderF16 ? 'shader-f16' : 'no shader-f16', caps.shaderF16),
    badge(caps.crossOriginIsolated ? `threads ×${caps.hardwareConcurrency}` : 'single-threaded WASM', caps.crossOriginIsolated),
    badge(storage, true),
    badge(`LLM: ${llm}`, true),
    badge(`embeddings: ${embedModel}`, true),
  );
}

const docName = (metadata: Record<string, unknown>, id: string | undefined) => String(metadata.name ?? metadata.file_name ?? id);

function renderSources(nodes: NodeWithScore[]): void {
  ui.sources.replaceChildren(
    ...nodes.map(({ node, score }, i) => {
      const item = el('li');
      item.id = `source-${i + 1}`;
      const page = typeof node.metadata.page_label === 'string' ? ` · p. ${node.metadata.page_label}` : '';
      item.append(el('div', `${docName(node.metadata, node.refDocId)}${page} · score ${score.toFixed(3)}`, 'meta'), el('div', sourceText(node.text), 'text'));
      return item;
    }),
  );
}

function showError(error: unknown): void {
  const e = error as Error;
  setStatus(`${e?.name ?? 'Error'}: ${e?.message ?? String(error)}`, true);
}

async function publishDocs(message: string | undefined): Promise<void> {
  const docs = await current().listRefDocs();
  renderDocs(docs.map((d) => ({ id: d.id, name: docName(d.metadata, d.id), chunks: d.nodeIds.length })).sort((a, b) => a.name.localeCompare(b.name)));
  if (!asking) setStatus(message ?? `${docs.length} document${docs.length === 1 ? '' : 's'} indexed.`);
}

/** Runs an index change after the ones before it, then shows the documents and the task's message, if it has one. */
function change(task: () => Promise<unknown>): Promise<void> {
  const done = work
    .then(task)
    .then((result) => publishDocs(typeof result === 'string' ? result : undefined))
    .catch(showError);
  work = done;
  return done;
}

/**
 * The sample documents: from the snapshot prebuilt at build time when it was made with this
 * embedding model (nothing to embed), else embedded in the worker.
 */
function loadSamples(): Promise<void> {
  return change(async () => {
    const prebuilt = snapshotUrl !== null && snapshotHeader?.embedModel.model === current().info.embedModel;
    if (prebuilt) await current().loadSnapshot(snapshotUrl!, { name: 'samples', onProgress: showProgress });
    else await current().refreshRefDocs(sampleDocuments(), { onProgress: showProgress });
    document.body.dataset.samples = prebuilt ? 'prebuilt' : 'embedded';
    // Only once they are stored: a failed first visit seeds again on the next.
    localStorage.setItem(SEEDED_KEY, '1');
    return prebuilt ? 'Sample documents loaded from the prebuilt index: nothing was embedded in this browser.' : 'Sample documents embedded in this browser.';
  });
}

function setAsking(value: boolean): void {
  asking = value;
  ui.askButton.disabled = value;
  ui.stopButton.disabled = !value;
}

async function ask(): Promise<void> {
  const question = ui.question.value.trim();
  if (!question || asking || !engine) return;
  const id = ++currentQuery;
  askStarted = performance.now();
  ui.answer.replaceChildren();
  ui.answer.dataset.state = 'streaming';
  ui.answer.dataset.deltas = '0';
  delete ui.answer.dataset.firstDeltaAt;
  ui.sources.replaceChildren();
  ui.stats.textContent = '';
  setStatus(llmLoaded ? 'Retrieving…' : 'Retrieving (the model is still loading)…');
  setAsking(true);
  const controller = (stopQuery = new AbortController());
  let deltas = 0;
  let sources = 0;
  try {
    await work;
    const response = await current().query(question, {
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type !== 'retrieve-end' || id !== currentQuery) return;
        renderSources(event.nodes);
        sources = event.nodes.length;
        ui.sources.dataset.shownAt = String(performance.now());
        ui.stats.textContent = `retrieval ${(performance.now() - askStarted).toFixed(0)} ms`;
        setStatus(sources === 0 || llmLoaded ? 'Writing the answer…' : WAITING_FOR_MODEL);
      },
    });
    let firstAt: number | undefined;
    let text = '';
    for await (const delta of response.responseGen) {
      if (firstAt === undefined) setStatus('Writing the answer…');
      firstAt ??= performance.now();
      deltas++;
      ui.answer.dataset.firstDeltaAt ??= String(firstAt);
      text += delta;
      // Rendered whole each time: a "[2]" may arrive split across deltas.
      ui.answer.replaceChildren(...answerNodes(text, sources));
      ui.answer.dataset.deltas = String(deltas);
    }
    if (sources === 0) {
      // Nothing retrieved: no model ran ("Empty Response" is LlamaIndex's fixed answer), so no token figures.
      ui.answer.dataset.state = 'done';
      setStatus(ui.docList.dataset.count === '0' ? 'The index is empty: add documents (or load the samples), then ask.' : 'No indexed text matched the question.');
      setAsking(false);
      return;
    }
    const tokens = response.usage?.completionTokens ?? deltas;
    const seconds = firstAt ? (performance.now() - firstAt) / 1000 : 0;
    finish({ stopped: false, firstTokenMs: response.firstTokenMs, tokens, tokensPerSecond: seconds > 0 ? (response.usage?.decodeTokensPerSecond ?? tokens / seconds) : undefined });
  } catch (error) {
    if (controller.signal.aborted) {
      finish({ stopped: true, tokens: deltas });
    } else {
      showError(error);
      ui.answer.dataset.state = 'error';
      setAsking(false);
    }
  }
}

function finish(result: { stopped: boolean; firstTokenMs?: number | undefined; tokens: number; tokensPerSecond?: number | undefined }): void {
  ui.answer.normalize();
  ui.answer.dataset.state = result.stopped ? 'stopped' : 'done';
  const parts = [ui.stats.textContent];
  if (result.firstTokenMs !== undefined) parts.push(`first token ${result.firstTokenMs.toFixed(0)} ms`);
  if (result.tokensPerSecond) parts.push(`${result.tokensPerSecond.toFixed(1)} tokens/s`);
  parts.push(`${result.tokens} tokens`, `total ${(performance.now() - askStarted).toFixed(0)} ms`);
  ui.stats.textContent = parts.filter(Boolean).join(' · ');
  setStatus(result.stopped ? 'Stopped.' : 'Done.');
  setAsking(false);
}

function stop(): void {
  if (asking) stopQuery?.abort();
}

async function readFile(file: File): Promise<Document | undefined> {
  const type = documentFileType(file.name);
  if (!type) {
    setStatus(`Skipped ${file.name}: only .txt, .md, .html, .pdf and .docx files can be added.`, true);
    return undefined;
  }
  const raw = await file.text();
  const text = type === 'text/html' ? htmlToText(raw) : raw;
  return new Document({ id: `file:${file.name}`, text, metadata: { name: file.name } });
}

async function addFiles(files: FileList | File[]): Promise<void> {
  const all = [...files];
  // PDFs and Word files go to the engine worker as bytes: pdf.js and mammoth read them there, off the page.
  const binary = all.filter((f) => /\.(pdf|docx)$/i.test(f.name));
  const docs = (await Promise.all(all.filter((f) => !binary.includes(f)).map(readFile))).filter((d): d is NonNullable<typeof d> => d !== undefined);
  if (docs.length > 0) {
    setStatus(`Indexing ${docs.length} document${docs.length === 1 ? '' : 's'}…`);
    await change(() => current().refreshRefDocs(docs, { onProgress: showProgress }));
  }
  if (binary.length > 0) {
    const inputs = await Promise.all(binary.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
    setStatus(`Reading ${binary.length} file${binary.length === 1 ? '' : 's'}…`);
    await change(() => current().addFiles(inputs, { onProgress: showProgress }));
  }
}

function wireEvents(settings: DemoSettings): void {
  ui.fileInput.addEventListener('change', () => {
    if (ui.fileInput.files) void addFiles(ui.fileInput.files);
    ui.fileInput.value = '';
  });
  for (const type of ['dragenter', 'dragover'] as const) {
    ui.dropzone.addEventListener(type, (event) => {
      event.preventDefault();
      ui.dropzone.classList.add('over');
    });
  }
  ui.dropzone.addEventListener('dragleave', () => ui.dropzone.classList.remove('over'));
  ui.dropzone.addEventListener('drop', (event) => {
    event.preventDefault();
    ui.dropzone.classList.remove('over');
    if (event.dataTransfer?.files) void addFiles(event.dataTransfer.files);
  });
  ui.pasteAdd.addEventListener('click', () => {
    const text = ui.pasteText.value;
    if (!text.trim()) return setStatus('Paste some text first.', true);
    const name = ui.pasteName.value.trim() || `Pasted text ${new Date().toLocaleString()}`;
    void change(() => current().refreshRefDocs([new Document({ id: `paste:${name}`, text, metadata: { name } })], { onProgress: showProgress }));
    ui.pasteText.value = '';
    ui.pasteName.value = '';
  });
  ui.loadSamples.addEventListener('click', () => void loadSamples());
  ui.clearIndex.addEventListener('click', () => {
    if (confirm('Delete every indexed document from this browser?')) void change(() => current().clear());
  });
  ui.askForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void ask();
  });
  ui.stopButton.addEventListener('click', stop);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') stop();
  });

  const form = ui.settingsForm;
  for (const [key, value] of Object.entries(settings)) {
    const field = form.elements.namedItem(key) as HTMLInputElement | HTMLSelectElement | null;
    if (field instanceof HTMLInputElement && field.type === 'checkbox') field.checked = value === true;
    else if (field) field.value = String(value);
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const next: DemoSettings = {
      ...settings,
      embedModel: String(data.get('embedModel')),
      llmKind: data.get('llmKind') === 'webllm' ? 'webllm' : 'transformers',
      llmModel: String(data.get('llmModel')),
      modelsBaseUrl: String(data.get('modelsBaseUrl') ?? ''),
      similarityTopK: Math.max(1, Number(data.get('similarityTopK')) || 2),
      responseMode: String(data.get('responseMode')) as DemoSettings['responseMode'],
      citations: data.get('citations') === 'on',
      maxNewTokens: Math.max(16, Number(data.get('maxNewTokens')) || 256),
    };
    const stored = ui.docList.children.length;
    if (next.embedModel !== settings.embedModel && stored > 0) {
      // Never drop documents for a setting: say what happens and let the user decide.
      const message =
        `Switch the embedding model to "${next.embedModel}"?\n\n` +
        `The ${stored} stored document${stored === 1 ? '' : 's'} will be embedded again with it, in this browser, which can take a while. ` +
        `They stay stored under "${settings.embedModel}" until that is done, and you can cancel.`;
      if (!confirm(message)) return;
      localStorage.setItem(REEMBED_KEY, JSON.stringify(settings));
    }
    localStorage.setItem(SETTINGS_KEY, JSON.stringify(next));
    location.reload();
  });
}

async function start(): Promise<void> {
  const settings = await loadSettings();
  const caps = await detectCapabilities();
  const models = caps.webgpu ? ['Qwen2.5-0.5B-Instruct', 'SmolLM2-360M-Instruct', 'Llama-3.2-1B-Instruct'].map((f) => chooseWebLLMModel(caps, f)) : [];
  $<HTMLDataListElement>('llm-models').replaceChildren(
    ...[...models, 'HuggingFaceTB/SmolLM2-360M-Instruct', 'onnx-community/Qwen2.5-0.5B-Instruct'].map((m) => {
      const option = el('option');
      option.value = m;
      return option;
    }),
  );
  wireEvents(settings);
  const seed = !localStorage.getItem(SEEDED_KEY);
  setStatus('Loading the embedding model…');
  // Nothing to ask until the engine is there.
  ui.askButton.disabled = true;
  const previous = localStorage.getItem(REEMBED_KEY);
  if (previous) {
    // The worker embeds the stored documents again while it sets up; cancelling stops it, and the
    // documents stay under the previous model (the worker deletes them there only when done).
    setStatus(`Embedding your documents again with ${settings.embedModel}…`);
    ui.progress.hidden = false;
    ui.progressCancel.hidden = false;
    ui.progressCancel.addEventListener('click', () => {
      worker.terminate();
      localStorage.setItem(SETTINGS_KEY, previous);
      localStorage.removeItem(REEMBED_KEY);
      location.reload();
    });
  }
  try {
    engine = await WorkerRAGEngine.connect(worker, settings, { onProgress: showProgress });
    ui.progressCancel.hidden = true;
    localStorage.removeItem(REEMBED_KEY);
  } catch (error) {
    // A failed switch keeps the way back: the documents are still stored under the previous model.
    if (previous) ui.progressCancel.textContent = 'Back to the previous settings';
    showError(error);
    const fixtures = el('a', 'open the demo with ?models=fixtures');
    fixtures.href = '?models=fixtures';
    ui.status.append(' The models could not be loaded. Check the settings or the network; the demo also runs offline on tiny test models: ', fixtures, '.');
    document.body.dataset.ready = 'failed';
    return;
  }
  ui.askButton.disabled = false;
  renderCapabilities(caps, current().info.llm, current().info.embedModel);
  setStatus('Ready.');
  document.body.dataset.ready = 'true';
  if (seed) await loadSamples();
  else await change(async () => (previous ? `Your documents are embedded with ${settings.embedModel} now.` : undefined));
  // Load the LLM in the background so the first answer starts sooner.
  void current()
    .load({ onProgress: showProgress })
    .then(() => {
      llmLoaded = true;
      document.body.dataset.llm = 'loaded';
      // Its bar has nothing more to say ("1.0 / 1.0 MB" beside "Done." only confuses).
      if (ui.progress.dataset.phase === 'load-model') ui.progress.hidden = true;
      if (asking && ui.status.textContent === WAITING_FOR_MODEL) setStatus('Writing the answer…');
    })
    .catch(showError);
}

if ('serviceWorker' in navigator && import.meta.env.PROD) {
  // Caches the app shell so the page opens offline after the first visit.
  void navigator.serviceWorker.register(new URL('sw.js', location.href)).catch(() => {});
}

void start();
