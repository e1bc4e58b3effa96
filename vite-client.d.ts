// Types of the module the `pagerag/vite` plugin provides. Reference them from the app:
//   /// <reference types="pagerag/vite-client" />
declare module 'virtual:pagerag-snapshot' {
  /** URL of the snapshot file built from the plugin's `input` (null where the app's config left the plugin out). */
  const url: string | null;
  export default url;
  /** The snapshot's header: embedding model, counts, content hash. */
  export const header: import('./dist/index.js').SnapshotHeader | null;
}
