export interface LibraryParam {
  name: string;
  shape: number[];
  dtype: string;
}
export interface LibraryMetadata {
  model_type: string;
  quantization: string;
  context_window_size: number;
  prefill_chunk_size: number;
  params: LibraryParam[];
  [key: string]: unknown;
}
export declare function readLibraryMetadata(wasm: Uint8Array, file?: string): LibraryMetadata;
