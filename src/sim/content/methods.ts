import type { ErrorStatus } from '../../wire/envelope.js';
import { bareModelId } from '../../wire/model-names.js';
import type { GenerateContentResponse, GenerationMethod } from '../../wire/types.js';
import type { Route } from '../fleet.js';
import { invalidArgument, invalidField } from '../google-errors.js';
import { embedText } from './embedding.js';
import { composeReply } from './reply.js';
import { arrayField, isObject, type Json, numberField, objectField, textOf } from './request-fields.js';
import { streamResponses, unaryResponse } from './response.js';
import { promptTokens } from './tokens.js';

/** A method's answer before framing: a JSON value, stream chunks, or the client's error (400). */
export type MethodAnswer =
  | { kind: 'json'; value: unknown }
  | { kind: 'chunks'; chunks: GenerateContentResponse[] }
  | { kind: 'error'; error: ErrorStatus };

/**
 * What a healthy build answers to `models/{urlModel}:{method}` (docs/wire.md §4, §5, §7). Pure:
 * the server decides separately whether the build fails instead.
 */
export function answerMethod(
  method: GenerationMethod,
  body: Json,
  urlModel: string,
  route: Route,
  newResponseId: () => string,
): MethodAnswer {
  switch (method) {
    case 'generateContent':
    case 'streamGenerateContent': {
      if (arrayField(body, 'contents').length === 0) {
        return {
          kind: 'error',
          error: invalidField('GenerateContentRequest.contents', 'contents is not specified'),
        };
      }
      const reply = composeReply(body, route.build.responseTokens);
      const served = { modelVersion: route.build.name, responseId: newResponseId() };
      return method === 'generateContent'
        ? { kind: 'json', value: unaryResponse(reply, served) }
        : { kind: 'chunks', chunks: streamResponses(reply, served, route.build.streamChunks) };
    }
    case 'countTokens': {
      // either {contents} or {generateContentRequest: {...}} (docs/wire.md §5.1)
      const inner = objectField(body, 'generateContentRequest', 'generate_content_request');
      const wrong =
        inner && modelMismatch(inner.model, urlModel, 'CountTokensRequest.generate_content_request');
      if (wrong) return { kind: 'error', error: wrong };
      const request = inner ?? body;
      const count = promptTokens(request);
      return { kind: 'json', value: { totalTokens: count.total, promptTokensDetails: count.details } };
    }
    case 'embedContent': {
      const wrong = modelMismatch(body.model, urlModel, 'EmbedContentRequest');
      if (wrong) return { kind: 'error', error: wrong };
      const embedding = embedOne(body, route, 'EmbedContentRequest');
      return 'error' in embedding
        ? { kind: 'error', error: embedding.error }
        : { kind: 'json', value: { embedding } };
    }
    case 'batchEmbedContents': {
      const requests = arrayField(body, 'requests');
      if (requests.length === 0) {
        return {
          kind: 'error',
          error: invalidField('BatchEmbedContentsRequest.requests', 'requests is not specified'),
        };
      }
      const embeddings: { values: number[] }[] = [];
      for (let i = 0; i < requests.length; i++) {
        const request = requests[i];
        // each request names the model; it must be the URL's (docs/wire.md §5.3)
        const wrong = modelMismatch(
          isObject(request) ? request.model : undefined,
          urlModel,
          `BatchEmbedContentsRequest.requests[${i}]`,
        );
        if (wrong) return { kind: 'error', error: wrong };
        const embedding = embedOne(request, route, `BatchEmbedContentsRequest.requests[${i}]`);
        if ('error' in embedding) return { kind: 'error', error: embedding.error };
        embeddings.push(embedding);
      }
      return { kind: 'json', value: { embeddings } };
    }
  }
}

/**
 * A body field that names another model than the URL: Google refuses the request (docs/wire.md §5.3 for batchEmbedContents; the
 * same rule is assumed for countTokens' generateContentRequest.model and embedContent's model), so a gateway that
 * forgets one rewrite fails loudly here too.
 */
function modelMismatch(model: unknown, urlModel: string, where: string): ErrorStatus | undefined {
  if (typeof model !== 'string' || bareModelId(model) === urlModel) return undefined;
  return invalidArgument(
    `* ${where}.model: model "${model}" does not match the model in the request URL "models/${urlModel}".\n`,
  );
}

function embedOne(
  request: unknown,
  route: Route,
  where: string,
): { values: number[] } | { error: ErrorStatus } {
  const content = objectField(request, 'content');
  if (!content) return { error: invalidField(`${where}.content`, 'content is not specified') };
  const requested = numberField(request, 'outputDimensionality', 'output_dimensionality');
  // the real gemini-embedding-001 truncates up to 3072 dimensions
  const max = Math.max(3072, route.model.embeddingDimensions);
  if (requested !== undefined && (!Number.isInteger(requested) || requested < 1 || requested > max)) {
    return {
      error: invalidArgument(`output_dimensionality must be between 1 and ${max}, got ${requested}.`),
    };
  }
  return { values: embedText(textOf(content), requested ?? route.model.embeddingDimensions) };
}
