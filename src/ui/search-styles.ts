// The component's styles, adopted by its shadow root as a constructed stylesheet: a page whose
// Content-Security-Policy has no 'unsafe-inline' blocks <style> elements and style attributes, not
// the CSSOM. Themable from outside with the custom properties below and ::part().
export const SEARCH_STYLES = `
:host {
  --pagerag-accent: #2557d6;
  --pagerag-bg: #ffffff;
  --pagerag-fg: #1b1d22;
  --pagerag-muted: #5b6170;
  --pagerag-border: #d5d9e2;
  --pagerag-font: system-ui, sans-serif;
  --pagerag-radius: 8px;
  display: inline-block;
  font-family: var(--pagerag-font);
}
@media (prefers-color-scheme: dark) {
  :host {
    --pagerag-accent: #8fb0ff;
    --pagerag-bg: #181a20;
    --pagerag-fg: #e8eaf0;
    --pagerag-muted: #a3a9b8;
    --pagerag-border: #3a3f4b;
  }
}
button { font: inherit; cursor: pointer; border-radius: var(--pagerag-radius); }
.open {
  display: inline-flex; gap: 0.5em; align-items: center; padding: 0.4em 0.8em;
  border: 1px solid var(--pagerag-border); background: var(--pagerag-bg); color: var(--pagerag-fg);
}
kbd { font: inherit; font-size: 0.8em; color: var(--pagerag-muted); border: 1px solid var(--pagerag-border); border-radius: 4px; padding: 0 0.3em; }
dialog {
  width: min(42rem, calc(100vw - 2rem)); max-height: calc(100vh - 4rem); margin-top: 2rem; padding: 1rem;
  border: 1px solid var(--pagerag-border); border-radius: var(--pagerag-radius);
  background: var(--pagerag-bg); color: var(--pagerag-fg); font-family: var(--pagerag-font);
}
dialog::backdrop { background: rgb(0 0 0 / 0.4); }
form { display: flex; gap: 0.5rem; flex-wrap: wrap; }
input {
  flex: 1 1 14rem; min-width: 0; font: inherit; padding: 0.5em 0.7em; color: var(--pagerag-fg); background: var(--pagerag-bg);
  border: 1px solid var(--pagerag-border); border-radius: var(--pagerag-radius);
}
.ask { background: var(--pagerag-accent); color: var(--pagerag-bg); border: 1px solid var(--pagerag-accent); padding: 0.5em 0.8em; }
.secondary { background: transparent; color: var(--pagerag-fg); border: 1px solid var(--pagerag-border); padding: 0.3em 0.7em; }
:focus-visible { outline: 3px solid var(--pagerag-accent); outline-offset: 2px; }
.status { color: var(--pagerag-muted); margin: 0.6rem 0 0; min-height: 1.2em; }
.status.error { color: #c0262d; }
progress { width: 100%; }
[hidden] { display: none !important; }
.results { list-style: none; margin: 0.6rem 0 0; padding: 0; }
.results a { display: block; padding: 0.5rem; border-radius: var(--pagerag-radius); color: inherit; text-decoration: none; }
.results a:hover, .results a:focus-visible { background: color-mix(in srgb, var(--pagerag-accent) 12%, transparent); }
.title { display: block; font-weight: 600; color: var(--pagerag-accent); }
.heading { display: block; font-size: 0.9em; }
.snippet { display: block; font-size: 0.85em; color: var(--pagerag-muted); overflow: hidden; display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; }
.answer { margin-top: 0.8rem; padding: 0.8rem; border: 1px solid var(--pagerag-border); border-radius: var(--pagerag-radius); }
.answer h2, .results-heading { font-size: 0.9em; margin: 0 0 0.4rem; color: var(--pagerag-muted); }
.answer-text { white-space: pre-wrap; line-height: 1.5; max-height: 45vh; overflow-y: auto; }
.answer-text a, .sources a { color: var(--pagerag-accent); }
.actions { display: flex; gap: 0.5rem; flex-wrap: wrap; margin-top: 0.6rem; }
.sources { font-size: 0.85em; margin: 0.6rem 0 0; padding-left: 1.4rem; }
.consent { margin-top: 0.8rem; padding: 0.8rem; border: 1px solid var(--pagerag-border); border-radius: var(--pagerag-radius); }
.consent p { margin: 0 0 0.6rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 480px) {
  dialog { margin-top: 0.5rem; width: calc(100vw - 1rem); padding: 0.7rem; }
}
`;
