// Entry point `pagerag/ui` (and dist/ui/pagerag-ui.js, bundled with its worker for pages without a
// bundler): defines <pagerag-search>.
import { PageragSearchElement } from './pagerag-search.js';

if (!customElements.get('pagerag-search')) customElements.define('pagerag-search', PageragSearchElement);

export { PageragSearchElement };

declare global {
  interface HTMLElementTagNameMap {
    'pagerag-search': PageragSearchElement;
  }
}
