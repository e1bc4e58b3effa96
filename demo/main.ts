// The demo page: UI only. All model and index work happens in engine-worker.ts.
// Every text that comes from a document, a file name or the model is set with textContent:
// nothing is ever parsed as HTML.
import { detectCapabilities } from '../src/runtime/capabilities.js';
import { chooseWebLLMModel } from '../src/llms/webllm/web-llm-config.js';
import { documentFileType } from '../src/ingestion/file-document.js';
import { htmlToText } from '../src/ingestion/html-to-text.js';
import type { DemoSettings, DocInfo, PageMessage, WorkerMessage } from './protocol.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const SETTINGS_KEY = 'pagerag-demo-settings';
const SEEDED_KEY = 'pagerag-demo-seeded';

/** `?models=fixtures` runs on the tiny self-made models in models/fixtures (tests, offline machines). */
function fixtureSettings(): Partial<DemoSettings> {
  return {
    embedModel: 'fixtures/bert-tiny',
    llmKind: 'transformers',
    llmModel: 'fixtures/llama-tiny',
    modelsBaseUrl: new URL('models/', location.href).pathname,
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
  const fromUrl: Partial<DemoSettings> = params.get('models') === 'fixtures' ? fixtureSettings() : {};
  const maxTokens = Number(params.get('maxTokens'));
  if (maxTokens > 0) fromUrl.maxNewTokens = maxTokens;
  return { ...defaults, ...saved, ...fromUrl };
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

const worker = new Worker(new URL('./engine-worker.ts', import.meta.url), { type: 'module' });
const send = (message: PageMessage) => worker.postMessage(message);

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

function setStatus(text: string, isError = false): void {
  ui.status.textContent = text;
  ui.status.classList.toggle('error', isError);
}

const PHASES: Record<string, string> = { 'load-model': 'Loading model', download: 'Downloading the prebuilt index', split: 'Splitting documents', embed: 'Embedding chunks', store: 'Saving to the index' };

function showProgress(phase: string, done: number, total: number, text?: string): void {
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
      remove.addEventListener('click', () => send({ type: 'delete', id: doc.id }));
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

function renderSources(nodes: { name: string; text: string; score: number }[]): void {
  ui.sources.replaceChildren(
    ...nodes.map((node) => {
      const item = el('li');
      item.append(el('div', `${node.name} · score ${node.score.toFixed(3)}`, 'meta'), el('div', node.text, 'text'));
      return item;
    }),
  );
}

function setAsking(value: boolean): void {
  asking = value;
  ui.askButton.disabled = value;
  ui.stopButton.disabled = !value;
}

function ask(): void {
  const question = ui.question.value.trim();
  if (!question || asking) return;
  currentQuery++;
  askStarted = performance.now();
  ui.answer.replaceChildren();
  ui.answer.dataset.state = 'streaming';
  ui.answer.dataset.deltas = '0';
  delete ui.answer.dataset.firstDeltaAt;
  ui.sources.replaceChildren();
  ui.stats.textContent = '';
  setStatus('Retrieving…');
  setAsking(true);
  send({ type: 'query', id: currentQuery, question });
}

function stop(): void {
  if (asking) send({ type: 'stop', id: currentQuery });
}

async function readFile(file: File): Promise<{ id: string; name: string; text: string } | undefined> {
  const type = documentFileType(file.name);
  if (!type) {
    setStatus(`Skipped ${file.name}: only .txt, .md and .html files can be added.`, true);
    return undefined;
  }
  const raw = await file.text();
  const text = type === 'text/html' ? htmlToText(raw) : raw;
  return { id: `file:${file.name}`, name: file.name, text };
}

async function addFiles(files: FileList | File[]): Promise<void> {
  const docs = (await Promise.all([...files].map(readFile))).filter((d): d is NonNullable<typeof d> => d !== undefined);
  if (docs.length > 0) {
    setStatus(`Indexing ${docs.length} document${docs.length === 1 ? '' : 's'}…`);
    send({ type: 'add', docs });
  }
}

worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
  const message = event.data;
  switch (message.type) {
    case 'ready':
      renderCapabilities(message.capabilities, message.llm, message.embedModel);
      setStatus('Ready.');
      document.body.dataset.ready = 'true';
      break;
    case 'progress':
      showProgress(message.phase, message.done, message.total, message.text);
      break;
    case 'docs':
      renderDocs(message.docs);
      if (ui.progress.dataset.phase !== 'load-model') setStatus(`${message.docs.length} document${message.docs.length === 1 ? '' : 's'} indexed.`);
      break;
    case 'samples':
      document.body.dataset.samples = message.prebuilt ? 'prebuilt' : 'embedded';
      setStatus(message.prebuilt ? 'Sample documents loaded from the prebuilt index: nothing was embedded in this browser.' : 'Sample documents embedded in this browser.');
      break;
    case 'sources':
      if (message.id !== currentQuery) break;
      renderSources(message.nodes);
      ui.sources.dataset.shownAt = String(performance.now());
      ui.stats.textContent = `retrieval ${message.retrievalMs.toFixed(0)} ms`;
      setStatus('Writing the answer…');
      break;
    case 'delta':
      if (message.id !== currentQuery) break;
      ui.answer.dataset.firstDeltaAt ??= String(performance.now());
      ui.answer.append(document.createTextNode(message.delta));
      ui.answer.dataset.deltas = String(Number(ui.answer.dataset.deltas) + 1);
      break;
    case 'done': {
      if (message.id !== currentQuery) break;
      ui.answer.normalize();
      ui.answer.dataset.state = message.stopped ? 'stopped' : 'done';
      const parts = [ui.stats.textContent];
      if (message.firstTokenMs !== undefined) parts.push(`first token ${message.firstTokenMs.toFixed(0)} ms`);
      if (message.tokensPerSecond) parts.push(`${message.tokensPerSecond.toFixed(1)} tokens/s`);
      parts.push(`${message.tokens} tokens`, `total ${(performance.now() - askStarted).toFixed(0)} ms`);
      ui.stats.textContent = parts.filter(Boolean).join(' · ');
      setStatus(message.stopped ? 'Stopped.' : 'Done.');
      setAsking(false);
      break;
    }
    case 'error':
      setStatus(`${message.name}: ${message.message}`, true);
      if (message.id === undefined || message.id === currentQuery) {
        if (message.id !== undefined) ui.answer.dataset.state = 'error';
        setAsking(false);
      }
      break;
  }
};

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
    send({ type: 'add', docs: [{ id: `paste:${name}`, name, text }] });
    ui.pasteText.value = '';
    ui.pasteName.value = '';
  });
  ui.loadSamples.addEventListener('click', () => send({ type: 'samples' }));
  ui.clearIndex.addEventListener('click', () => {
    if (confirm('Delete every indexed document from this browser?')) send({ type: 'clear' });
  });
  ui.askForm.addEventListener('submit', (event) => {
    event.preventDefault();
    ask();
  });
  ui.stopButton.addEventListener('click', stop);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') stop();
  });

  const form = ui.settingsForm;
  for (const [key, value] of Object.entries(settings)) {
    const field = form.elements.namedItem(key) as HTMLInputElement | HTMLSelectElement | null;
    if (field) field.value = String(value);
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
      maxNewTokens: Math.max(16, Number(data.get('maxNewTokens')) || 256),
    };
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
  localStorage.setItem(SEEDED_KEY, '1');
  setStatus('Loading the embedding model…');
  send({ type: 'init', settings, seed });
}

if ('serviceWorker' in navigator && import.meta.env.PROD) {
  // Caches the app shell so the page opens offline after the first visit.
  void navigator.serviceWorker.register(new URL('sw.js', location.href)).catch(() => {});
}

void start();
