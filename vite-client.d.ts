// Types of the module the `pagerag/vite` plugin provides. Reference them from the app:
//   /// <reference types="pagerag/vite-client" />
declare module 'virtual:pagerag-snapshot' {
  /**
   * URL of the snapshot file built from the plugin's `input`, or with `partitioned` of the
   * partitioned index's manifest.json (null where the app's config left the plugin out).
   */
  const url: string | null;
  export default url;
  /** The snapshot's header (with `partitioned`, the manifest's format, model, counts and content hash). */
  export const header: import('./dist/index.js').SnapshotHeader | Pick<import('./dist/index.js').StaticManifest, 'format' | 'embedModel' | 'counts' | 'contentHash'> | null;
}
