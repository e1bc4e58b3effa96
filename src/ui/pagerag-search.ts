import type { ChatMessage } from '../llms/types.js';
import type { ProgressUpdate } from '../progress.js';
import { detectCapabilities } from '../runtime/capabilities.js';
import type { NodeWithScore } from '../schema/node.js';
import { WorkerRAGEngine } from '../worker/worker-rag-engine.js';
import { formatBytes } from '../util/format-bytes.js';
import { answerNodes, sourceText } from './answer-text.js';
import { causalLMDownloadBytes } from './model-size.js';
import { SEARCH_STYLES } from './search-styles.js';
import type { SearchWorkerConfig } from './search-worker.js';

const DEFAULT_LLM = 'HuggingFaceTB/SmolLM2-360M-Instruct';

/** Element → its text nodes only: nothing from the index or the model is parsed as HTML. */
function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<Record<'className' | 'textContent' | 'id' | 'type', string>> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  Object.assign(element, props);
  element.append(...children);
  return element;
}

/** Where a result or source links: the page and heading `build-index --site` recorded. */
function linkOf(node: NodeWithScore['node']): string {
  const url = node.metadata.url;
  return typeof url === 'string' ? url : node.refDocId ?? '#';
}

function snippet(text: string): string {
  const plain = sourceText(text).replace(/\s+/g, ' ').trim();
  return plain.length > 180 ? `${plain.slice(0, 177)}…` : plain;
}

/**
 * `<pagerag-search>`: search and AI answers over a site's prebuilt index, in a dialog. Results come
 * at once from the index (vector and keyword search, no LLM); "Answer with AI" loads a local LLM in
 * the component's worker, after saying what it downloads, and streams the answer with numbered
 * citations that link to the pages. Everything heavy runs in a Web Worker.
 *
 * Attributes: `index` (the snapshot, the folder that holds `index.pagerag`, or a partitioned
 * index's `manifest.json` for large sites; default `/pagerag/`),
 * `models` (a folder of models laid out like the Hub; default the Hugging Face Hub), `llm-model`,
 * `llm-size` (shown before the download; else the component asks the host for the files' sizes), `max-new-tokens`, `citations="off"` (for models whose
 * context cannot hold the citation instructions).
 *
 * @example
 * <script type="module" src="/pagerag/pagerag-ui.js"></script>
 * <pagerag-search index="/pagerag/"></pagerag-search>
 */
export class PageragSearchElement extends HTMLElement {
  private readonly root: ShadowRoot;
  private readonly dialog: HTMLDialogElement;
  private readonly opener: HTMLButtonElement;
  private readonly input: HTMLInputElement;
  private readonly status: HTMLParagraphElement;
  private readonly progress: HTMLProgressElement;
  private readonly results: HTMLUListElement;
  private readonly consent: HTMLElement;
  private readonly answer: HTMLElement;
  private readonly answerText: HTMLDivElement;
  private readonly sources: HTMLOListElement;
  private readonly stopButton: HTMLButtonElement;
  private readonly copyButton: HTMLButtonElement;
  private engine: Promise<WorkerRAGEngine> | undefined;
  private llmReady = false;
  private searching: AbortController | undefined;
  private answering: AbortController | undefined;
  private history: ChatMessage[] = [];
  private lastAnswer = '';
  private returnFocus: HTMLElement | null = null;
  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private pendingQuestion = '';

  constructor() {
    super();
    this.root = this.attachShadow({ mode: 'open' });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(SEARCH_STYLES);
    this.root.adoptedStyleSheets = [sheet];

    this.opener = el('button', { className: 'open', type: 'button' }, 'Search', el('kbd', { textContent: 'Ctrl K' }));
    this.opener.setAttribute('part', 'button');
    this.opener.setAttribute('aria-haspopup', 'dialog');
    this.opener.setAttribute('aria-keyshortcuts', 'Control+K Meta+K /');

    this.input = el('input', { type: 'search' });
    this.input.setAttribute('part', 'input');
    this.input.setAttribute('aria-label', 'Search this site or ask a question');
    this.input.setAttribute('placeholder', 'Search or ask a question');
    this.input.setAttribute('autocomplete', 'off');
    const ask = el('button', { className: 'ask', type: 'submit', textContent: 'Answer with AI' });
    ask.setAttribute('part', 'ask');
    const close = el('button', { className: 'secondary', type: 'button', textContent: 'Close' });
    const form = el('form', {}, this.input, ask, close);
    form.setAttribute('role', 'search');

    this.status = el('p', { className: 'status' });
    this.status.setAttribute('role', 'status');
    this.progress = el('progress');
    this.progress.hidden = true;
    this.progress.setAttribute('aria-label', 'Download progress');

    this.consent = el('section', { className: 'consent' });
    this.consent.hidden = true;
    this.consent.setAttribute('aria-label', 'Download the answer model');

    this.answerText = el('div', { className: 'answer-text' });
    // Announced once the answer is complete (aria-busy while it streams), not token by token.
    this.answerText.setAttribute('aria-live', 'polite');
    // It scrolls when long: reachable by keyboard.
    this.answerText.tabIndex = 0;
    this.stopButton = el('button', { className: 'secondary stop', type: 'button', textContent: 'Stop' });
    this.stopButton.setAttribute('aria-keyshortcuts', 'Escape');
    this.copyButton = el('button', { className: 'secondary copy', type: 'button', textContent: 'Copy answer' });
    const newQuestion = el('button', { className: 'secondary', type: 'button', textContent: 'New conversation' });
    this.sources = el('ol', { className: 'sources' });
    this.sources.setAttribute('aria-label', 'Sources');
    this.answer = el('section', { className: 'answer' }, el('h2', { textContent: 'Answer' }), this.answerText, el('div', { className: 'actions' }, this.stopButton, this.copyButton, newQuestion), this.sources);
    this.answer.setAttribute('part', 'answer');
    this.answer.setAttribute('aria-label', 'AI answer');
    this.answer.hidden = true;

    this.results = el('ul', { className: 'results' });
    this.results.setAttribute('part', 'results');
    this.results.setAttribute('aria-label', 'Search results');

    this.dialog = el('dialog', {}, form, this.status, this.progress, this.consent, this.answer, this.results);
    this.dialog.setAttribute('part', 'dialog');
    this.dialog.setAttribute('aria-label', 'Search this site');
    this.root.append(this.opener, this.dialog);

    this.opener.addEventListener('click', () => this.open());
    close.addEventListener('click', () => this.close());
    this.input.addEventListener('input', () => this.scheduleSearch());
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.ask(this.input.value);
    });
    this.stopButton.addEventListener('click', () => this.stop());
    this.copyButton.addEventListener('click', () => void this.copy());
    newQuestion.addEventListener('click', () => this.resetConversation());
    // Esc stops an answer first; a second Esc closes. Handled here: in the search box Esc would
    // otherwise only clear the text, and the dialog's own cancel does not fire from there.
    this.dialog.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape') return;
      event.preventDefault();
      if (this.answering) this.stop();
      else this.close();
    });
    this.dialog.addEventListener('close', () => this.afterClose());
  }

  connectedCallback(): void {
    document.addEventListener('keydown', this.onShortcut);
  }

  disconnectedCallback(): void {
    document.removeEventListener('keydown', this.onShortcut);
    this.answering?.abort();
    this.searching?.abort();
    void this.engine?.then((engine) => engine.terminate(), () => undefined);
    this.engine = undefined;
  }

  /** Opens the dialog, and starts loading the index the first time. */
  open(): void {
    if (this.dialog.open) return;
    // Focus inside this element (its button) shows as the element itself.
    const active = document.activeElement as HTMLElement | null;
    this.returnFocus = active === this ? this.opener : (active ?? document.body);
    this.dialog.showModal();
    this.input.focus();
    void this.connect().catch(() => undefined);
  }

  close(): void {
    if (!this.dialog.open) return;
    this.dialog.close();
    // At once (the dialog's close event comes a task later).
    this.restoreFocus();
  }

  private readonly onShortcut = (event: KeyboardEvent): void => {
    const target = event.composedPath()[0] as HTMLElement | undefined;
    const typing = target?.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target?.tagName ?? '');
    if (((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k') || (event.key === '/' && !typing && !this.dialog.open)) {
      event.preventDefault();
      this.open();
    }
  };

  private afterClose(): void {
    this.stop();
    if (this.returnFocus) this.restoreFocus();
  }

  /** Back where the reader was; opened by a shortcut from nowhere in particular: the search button. */
  private restoreFocus(): void {
    const back = this.returnFocus && this.returnFocus !== document.body && this.returnFocus.isConnected ? this.returnFocus : this.opener;
    this.returnFocus = null;
    back.focus();
  }

  private config(): SearchWorkerConfig {
    const resolve = (value: string) => new URL(value, document.baseURI).href;
    const index = this.getAttribute('index') || '/pagerag/';
    const models = this.getAttribute('models');
    return {
      index: resolve(index.endsWith('/') ? `${index}index.pagerag` : index),
      models: models ? resolve(models.endsWith('/') ? models : `${models}/`) : '',
      llmModel: this.getAttribute('llm-model') || DEFAULT_LLM,
      maxNewTokens: Number(this.getAttribute('max-new-tokens')) || 256,
      citations: this.getAttribute('citations') !== 'off',
    };
  }

  private connect(): Promise<WorkerRAGEngine> {
    if (!this.engine) {
      this.showStatus('Loading the search index…');
      const worker = new Worker(new URL('./search-worker.ts', import.meta.url), { type: 'module' });
      this.engine = WorkerRAGEngine.connect(worker, this.config(), { onProgress: (p) => this.showProgress(p) }).then(
        (engine) => {
          this.hideProgress();
          this.showStatus('');
          if (this.input.value.trim()) this.scheduleSearch(0);
          return engine;
        },
        (error: Error) => {
          worker.terminate();
          this.engine = undefined;
          this.hideProgress();
          this.showStatus(`Search is unavailable: ${error.message}`, true);
          throw error;
        },
      );
    }
    return this.engine;
  }

  private scheduleSearch(delay = 120): void {
    clearTimeout(this.searchTimer);
    this.searchTimer = setTimeout(() => void this.search(this.input.value), delay);
  }

  private async search(query: string): Promise<void> {
    this.searching?.abort();
    if (!query.trim()) {
      this.results.replaceChildren();
      return;
    }
    const controller = (this.searching = new AbortController());
    try {
      const engine = await this.connect();
      const nodes = await engine.retrieve(query, { similarityTopK: 6, signal: controller.signal });
      if (controller.signal.aborted) return;
      this.renderResults(nodes);
    } catch (error) {
      if ((error as Error).name !== 'AbortError' && this.engine) this.showStatus(`Search failed: ${(error as Error).message}`, true);
    }
  }

  private renderResults(nodes: NodeWithScore[]): void {
    const seen = new Set<string>();
    const items: HTMLLIElement[] = [];
    for (const { node } of nodes) {
      const href = linkOf(node);
      if (seen.has(href)) continue;
      seen.add(href);
      const title = String(node.metadata.title ?? node.refDocId ?? href);
      const heading = node.metadata.heading !== undefined && node.metadata.heading !== title ? String(node.metadata.heading) : '';
      const link = el('a', {}, el('span', { className: 'title', textContent: title }), ...(heading ? [el('span', { className: 'heading', textContent: heading })] : []), el('span', { className: 'snippet', textContent: snippet(node.text) }));
      link.href = href;
      link.setAttribute('part', 'result');
      items.push(el('li', {}, link));
    }
    this.results.replaceChildren(...items);
    if (items.length === 0) this.results.append(el('li', { className: 'status', textContent: 'No results.' }));
  }

  /** "Answer with AI": asks before the first download, then streams the answer. */
  async ask(question: string): Promise<void> {
    question = question.trim();
    if (!question) return;
    if (!this.llmReady && !this.consentGiven()) {
      this.pendingQuestion = question;
      await this.showConsent();
      return;
    }
    await this.answerQuestion(question);
  }

  private consentKey(): string {
    return `pagerag-search:model-ok:${this.config().llmModel}`;
  }

  private consentGiven(): boolean {
    try {
      return localStorage.getItem(this.consentKey()) === '1';
    } catch {
      return false;
    }
  }

  private async showConsent(): Promise<void> {
    const caps = await detectCapabilities();
    // As TransformersLLM's "auto": WebGPU on a hardware adapter, else WASM (the weights differ).
    const slow = !caps.webgpu || caps.fallbackAdapter;
    const config = this.config();
    const bytes = this.getAttribute('llm-size')
      ? undefined
      : await causalLMDownloadBytes(config.models || 'https://huggingface.co/', config.llmModel, slow ? 'wasm' : 'webgpu', { hub: !config.models });
    const size = this.getAttribute('llm-size') || (bytes === undefined ? 'its weights (the host did not say their size)' : formatBytes(bytes));
    const download = el('button', { className: 'ask', type: 'button', textContent: 'Download and answer' });
    const cancel = el('button', { className: 'secondary', type: 'button', textContent: 'Not now' });
    this.consent.replaceChildren(
      el('p', { textContent: `Answers are written on this device by a language model (${this.config().llmModel}), which downloads ${size} once and is cached afterwards. Nothing you ask leaves your browser.` }),
      ...(slow ? [el('p', { textContent: 'This device has no GPU acceleration for the model: answers are written on the CPU and can take a while.' })] : []),
      el('div', { className: 'actions' }, download, cancel),
    );
    this.consent.hidden = false;
    download.focus();
    download.addEventListener('click', () => {
      try {
        localStorage.setItem(this.consentKey(), '1');
      } catch {
        // Private mode: ask again next visit.
      }
      this.consent.hidden = true;
      this.input.focus();
      void this.answerQuestion(this.pendingQuestion);
    });
    cancel.addEventListener('click', () => {
      this.consent.hidden = true;
      this.input.focus();
    });
  }

  private async answerQuestion(question: string): Promise<void> {
    this.stop();
    const controller = (this.answering = new AbortController());
    this.answer.hidden = false;
    this.sources.replaceChildren();
    this.answerText.replaceChildren();
    this.answerText.setAttribute('aria-busy', 'true');
    this.stopButton.hidden = false;
    this.copyButton.hidden = true;
    let text = '';
    try {
      const engine = await this.connect();
      if (!this.llmReady) {
        this.showStatus('Loading the answer model…');
        await engine.load({ onProgress: (p) => this.showProgress(p) });
        this.llmReady = true;
        this.hideProgress();
      }
      this.showStatus('Writing the answer…');
      const response = await engine.query(question, { signal: controller.signal, chatHistory: this.history });
      const sources = response.sourceNodes;
      this.sources.replaceChildren(
        ...sources.map(({ node }, i) => {
          const title = String(node.metadata.title ?? node.refDocId ?? `Source ${i + 1}`);
          const heading = node.metadata.heading !== undefined && node.metadata.heading !== title ? ` › ${String(node.metadata.heading)}` : '';
          const link = el('a', { textContent: `${title}${heading}` });
          link.href = linkOf(node);
          return el('li', {}, link);
        }),
      );
      const href = (n: number) => linkOf(sources[n - 1]!.node);
      for await (const delta of response.responseGen) {
        text += delta;
        this.answerText.replaceChildren(...answerNodes(text, sources.length, document, href));
      }
      controller.signal.throwIfAborted();
      this.history.push({ role: 'user', content: question }, { role: 'assistant', content: text });
      this.showStatus('');
    } catch (error) {
      if ((error as Error).name === 'AbortError') this.showStatus(text ? 'Stopped.' : 'Stopped before the answer began.');
      else {
        this.hideProgress();
        this.showStatus(`Could not answer: ${(error as Error).message}`, true);
      }
    } finally {
      if (this.answering === controller) this.answering = undefined;
      this.lastAnswer = text;
      this.answerText.setAttribute('aria-busy', 'false');
      this.stopButton.hidden = true;
      this.copyButton.hidden = text === '';
    }
  }

  /** Stops the answer being written (Esc, or the Stop button). */
  stop(): void {
    this.answering?.abort();
    this.answering = undefined;
  }

  private resetConversation(): void {
    this.stop();
    this.history = [];
    this.answer.hidden = true;
    this.answerText.replaceChildren();
    this.input.value = '';
    this.results.replaceChildren();
    this.input.focus();
  }

  private async copy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(this.lastAnswer);
      this.showStatus('Answer copied.');
    } catch {
      this.showStatus('Copying is not allowed here: select the answer and copy it.', true);
    }
  }

  private showStatus(text: string, error = false): void {
    this.status.textContent = text;
    this.status.classList.toggle('error', error);
  }

  private showProgress(update: ProgressUpdate): void {
    if (update.total > 0) {
      this.progress.hidden = false;
      this.progress.max = update.total;
      this.progress.value = Math.min(update.done, update.total);
    }
  }

  private hideProgress(): void {
    this.progress.hidden = true;
  }
}
