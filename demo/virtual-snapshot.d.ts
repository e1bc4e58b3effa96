// The demo's view of the `pagerag/vite` module (apps use `pagerag/vite-client`, the same declaration).
declare module 'virtual:pagerag-snapshot' {
  const url: string | null;
  export default url;
  export const header: import('pagerag').SnapshotHeader | null;
}
