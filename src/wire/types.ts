/** The parts of the Gemini REST shapes that aliasgate reads. Everything else passes through untouched. */
export interface Part {
  text?: string;
  thought?: boolean;
  inlineData?: { mimeType: string; data: string };
  functionCall?: { name: string; args?: Record<string, unknown>; id?: string };
  functionResponse?: { name: string; response?: Record<string, unknown>; id?: string };
  [field: string]: unknown;
}

export interface Content {
  role?: string;
  parts?: Part[];
}

export interface GenerateContentRequest {
  contents?: Content[];
  systemInstruction?: Content;
  tools?: unknown[];
  generationConfig?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface UsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  thoughtsTokenCount?: number;
  totalTokenCount?: number;
  [field: string]: unknown;
}

export interface Candidate {
  content?: Content;
  finishReason?: string;
  index?: number;
  [field: string]: unknown;
}

export interface GenerateContentResponse {
  candidates?: Candidate[];
  usageMetadata?: UsageMetadata;
  modelVersion?: string;
  responseId?: string;
  [field: string]: unknown;
}

/** The Model resource of `GET models` (docs/wire.md §6). */
export interface ModelResource {
  name: string;
  baseModelId?: string;
  version?: string;
  displayName?: string;
  description?: string;
  inputTokenLimit?: number;
  outputTokenLimit?: number;
  supportedGenerationMethods?: string[];
  temperature?: number;
  topP?: number;
  topK?: number;
  maxTemperature?: number;
  thinking?: boolean;
  [field: string]: unknown;
}

/** The verbs after `models/{model}:` that aliasgate serves. */
export const GENERATION_METHODS = [
  'generateContent',
  'streamGenerateContent',
  'countTokens',
  'embedContent',
  'batchEmbedContents',
] as const;
export type GenerationMethod = (typeof GENERATION_METHODS)[number];

export function isGenerationMethod(verb: string): verb is GenerationMethod {
  return (GENERATION_METHODS as readonly string[]).includes(verb);
}
