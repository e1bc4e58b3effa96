import { InvalidArgumentError, describeValue } from '../errors.js';
import type { Metadata } from './node.js';

/**
 * Which metadata a node's content carries, as in LlamaIndex: `EMBED` is what the embedding model
 * reads, `LLM` what the LLM reads in a prompt, `ALL` both, `NONE` the bare text.
 */
export const MetadataMode = { ALL: 'all', EMBED: 'embed', LLM: 'llm', NONE: 'none' } as const;
export type MetadataMode = (typeof MetadataMode)[keyof typeof MetadataMode];

/** How a node renders its metadata before its text; LlamaIndex's fields and defaults, camelCase. */
export interface NodeFormat {
  /** Metadata keys left out of what is embedded. @default [] */
  excludedEmbedMetadataKeys?: string[];
  /** Metadata keys left out of what the LLM reads. @default [] */
  excludedLlmMetadataKeys?: string[];
  /** One metadata entry. @default "{key}: {value}" */
  metadataTemplate?: string;
  /** Between entries. @default "\n" */
  metadataSeparator?: string;
  /** The whole content. @default "{metadata_str}\n\n{content}" */
  textTemplate?: string;
}

export const DEFAULT_METADATA_TEMPLATE = '{key}: {value}';
export const DEFAULT_METADATA_SEPARATOR = '\n';
export const DEFAULT_TEXT_TEMPLATE = '{metadata_str}\n\n{content}';

/** Checks a {@link NodeFormat} given by the app; returns only what differs from the defaults (what is stored). */
export function checkNodeFormat(format: NodeFormat, owner: string): NodeFormat {
  const out: NodeFormat = {};
  for (const key of ['excludedEmbedMetadataKeys', 'excludedLlmMetadataKeys'] as const) {
    const keys = format[key];
    if (keys === undefined) continue;
    if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string')) throw new InvalidArgumentError(`Expected ${owner}'s ${key} to be an array of strings, got ${describeValue(keys)}.`);
    if (keys.length > 0) out[key] = [...keys];
  }
  const defaults = { metadataTemplate: DEFAULT_METADATA_TEMPLATE, metadataSeparator: DEFAULT_METADATA_SEPARATOR, textTemplate: DEFAULT_TEXT_TEMPLATE };
  for (const key of ['metadataTemplate', 'metadataSeparator', 'textTemplate'] as const) {
    const value = format[key];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new InvalidArgumentError(`Expected ${owner}'s ${key} to be a string, got ${describeValue(value)}.`);
    if (value !== defaults[key]) out[key] = value;
  }
  return out;
}

const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/** LlamaIndex's `get_metadata_str`: the entries `mode` lets through, each through the template. */
export function metadataString(metadata: Metadata, format: NodeFormat, mode: MetadataMode): string {
  if (mode === MetadataMode.NONE) return '';
  const excluded = new Set(mode === MetadataMode.EMBED ? format.excludedEmbedMetadataKeys : mode === MetadataMode.LLM ? format.excludedLlmMetadataKeys : undefined);
  const template = format.metadataTemplate ?? DEFAULT_METADATA_TEMPLATE;
  return Object.entries(metadata)
    .filter(([key]) => !excluded.has(key))
    // One pass, as Python's str.format: a "{value}" inside a key is not filled in again.
    .map(([key, value]) => template.replace(/\{(key|value)\}/g, (_, field: string) => (field === 'key' ? key : show(value))))
    .join(format.metadataSeparator ?? DEFAULT_METADATA_SEPARATOR);
}

/** LlamaIndex's `get_content(metadata_mode)`: the text, after the metadata `mode` lets through. */
export function contentWithMetadata(text: string, metadata: Metadata, format: NodeFormat, mode: MetadataMode): string {
  const metadataStr = metadataString(metadata, format, mode);
  if (metadataStr === '') return text;
  return (format.textTemplate ?? DEFAULT_TEXT_TEMPLATE).replace(/\{(metadata_str|content)\}/g, (_, field: string) => (field === 'content' ? text : metadataStr));
}
