import {
  arrayField,
  field,
  isObject,
  type Json,
  objectField,
  partsOf,
  stringField,
} from './request-fields.js';

/**
 * Token counting that grows with input like the real tokenizer does, on average: about four
 * characters of English text per token. Media counts by size.
 */
export function textTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Bytes of inline media per token; a 100 KB image ≈ 1000 tokens, the order of the real counts. */
const MEDIA_BYTES_PER_TOKEN = 100;
/** A file reference has no size on the wire; the real service charges 258 tokens per image tile. */
const FILE_DATA_TOKENS = 258;

export type Modality = 'TEXT' | 'IMAGE' | 'AUDIO' | 'VIDEO' | 'DOCUMENT';

export interface TokenCount {
  total: number;
  /** `promptTokensDetails`: one entry per modality, in order of first appearance. */
  details: { modality: Modality; tokenCount: number }[];
}

/** Tokens of a generate request's prompt: contents, systemInstruction and tool declarations. */
export function promptTokens(request: unknown): TokenCount {
  const tally = new Map<Modality, number>();
  const add = (modality: Modality, n: number) => tally.set(modality, (tally.get(modality) ?? 0) + n);
  const system = objectField(request, 'systemInstruction', 'system_instruction');
  if (system) countParts(partsOf(system), add);
  for (const content of arrayField(request, 'contents')) countParts(partsOf(content), add);
  const tools = field(request, 'tools');
  if (Array.isArray(tools) && tools.length > 0) add('TEXT', textTokens(JSON.stringify(tools)));
  let total = 0;
  const details: TokenCount['details'] = [];
  for (const [modality, tokenCount] of tally) {
    total += tokenCount;
    details.push({ modality, tokenCount });
  }
  return { total, details };
}

function countParts(parts: Json[], add: (modality: Modality, n: number) => void): void {
  for (const part of parts) {
    if (typeof part.text === 'string') {
      add('TEXT', textTokens(part.text));
      continue;
    }
    const inline = objectField(part, 'inlineData', 'inline_data');
    if (inline) {
      const data = stringField(inline, 'data') ?? '';
      const bytes = Math.floor((data.length * 3) / 4);
      add(
        modalityOf(stringField(inline, 'mimeType', 'mime_type')),
        Math.max(1, Math.ceil(bytes / MEDIA_BYTES_PER_TOKEN)),
      );
      continue;
    }
    const file = objectField(part, 'fileData', 'file_data');
    if (file) {
      add(modalityOf(stringField(file, 'mimeType', 'mime_type')), FILE_DATA_TOKENS);
      continue;
    }
    const structured =
      field(part, 'functionCall', 'function_call') ?? field(part, 'functionResponse', 'function_response');
    if (isObject(structured)) add('TEXT', textTokens(JSON.stringify(structured)));
  }
}

function modalityOf(mimeType: string | undefined): Modality {
  if (!mimeType) return 'DOCUMENT';
  if (mimeType.startsWith('image/')) return 'IMAGE';
  if (mimeType.startsWith('audio/')) return 'AUDIO';
  if (mimeType.startsWith('video/')) return 'VIDEO';
  if (mimeType.startsWith('text/')) return 'TEXT';
  return 'DOCUMENT';
}
