import { JSON_CONTENT_TYPE } from '../wire/envelope.js';
import { bareModelId } from '../wire/model-names.js';
import type { GeminiRoute } from '../wire/path.js';
import { embedText } from './content/embedding.js';
import {
  chatChunks,
  chatCompletion,
  chatToGenerate,
  embeddingInputs,
  openaiModel,
} from './content/openai.js';
import { composeReply } from './content/reply.js';
import { textTokens } from './content/tokens.js';
import type { SimContext } from './context.js';
import { bodyAnswer, type Framing, prettyJson, sendError, streamAnswer } from './delivery.js';
import type { Exchange } from './exchange.js';
import { invalidArgument, unknownModel } from './google-errors.js';
import { authenticate, readJson, serveRouted } from './request-flow.js';

type OpenaiRoute = Extract<
  GeminiRoute,
  { kind: 'openaiChat' | 'openaiModels' | 'openaiModel' | 'openaiEmbeddings' }
>;

/** The OpenAI-compatible surface under `/v1beta/openai/` (docs/wire.md §11). */
export async function handleOpenai(
  ctx: SimContext,
  ex: Exchange,
  route: OpenaiRoute,
  query: URLSearchParams | undefined,
): Promise<void> {
  switch (route.kind) {
    case 'openaiModels':
      if (!authenticate(ctx, ex, query, 'openai')) return;
      return sendJson(ex, { object: 'list', data: ctx.fleet.resources.map(openaiModel) });
    case 'openaiModel': {
      if (!authenticate(ctx, ex, query, 'openai')) return;
      const model = ctx.fleet.model(bareModelId(route.model));
      if (!model)
        return sendError(ex, 'openai', unknownModel(bareModelId(route.model), route.version, 'get'));
      return sendJson(ex, openaiModel(model.resource));
    }
    case 'openaiChat':
      return chat(ctx, ex, query);
    case 'openaiEmbeddings':
      return embeddings(ctx, ex, query);
  }
}

async function chat(ctx: SimContext, ex: Exchange, query: URLSearchParams | undefined): Promise<void> {
  if (!authenticate(ctx, ex, query, 'openai')) return;
  const body = await readJson(ctx, ex, 'openai');
  if (!body) return;
  const call = chatToGenerate(body);
  if ('code' in call) return sendError(ex, 'openai', call);
  const framing: Framing = call.stream ? 'openaiSse' : 'openai';
  const model = bareModelId(call.model);
  const served = ctx.fleet.route(model);
  if (!served?.model.methods.has('generateContent')) {
    return sendError(ex, framing, unknownModel(model, 'v1beta', 'generateContent'));
  }
  const reply = composeReply(call.request, served.build.responseTokens);
  const meta = {
    id: ctx.newResponseId(),
    model: served.build.name,
    created: Math.floor(ctx.clock.now() / 1000),
  };
  const answer = call.stream
    ? streamAnswer(framing, chatChunks(reply, meta, served.build.streamChunks))
    : bodyAnswer(chatCompletion(reply, meta));
  return serveRouted(ctx, ex, framing, model, served, answer);
}

async function embeddings(ctx: SimContext, ex: Exchange, query: URLSearchParams | undefined): Promise<void> {
  if (!authenticate(ctx, ex, query, 'openai')) return;
  const body = await readJson(ctx, ex, 'openai');
  if (!body) return;
  const inputs = embeddingInputs(body);
  if (!inputs)
    return sendError(ex, 'openai', invalidArgument('input must be a string or a list of strings.'));
  const model = bareModelId(typeof body.model === 'string' ? body.model : '');
  const served = ctx.fleet.route(model);
  if (!served?.model.methods.has('embedContent')) {
    return sendError(ex, 'openai', unknownModel(model, 'v1beta', 'embedContent'));
  }
  const dimensions = body.dimensions ?? served.model.embeddingDimensions;
  if (
    typeof dimensions !== 'number' ||
    !Number.isInteger(dimensions) ||
    dimensions < 1 ||
    dimensions > 3072
  ) {
    return sendError(ex, 'openai', invalidArgument('dimensions must be an integer between 1 and 3072.'));
  }
  // the openai SDK asks for base64 (little-endian float32) unless told otherwise
  const base64 = body.encoding_format === 'base64';
  let tokens = 0;
  const data = inputs.map((text, index) => {
    tokens += textTokens(text);
    const values = embedText(text, dimensions);
    const embedding = base64 ? Buffer.from(new Float32Array(values).buffer).toString('base64') : values;
    return { object: 'embedding', index, embedding };
  });
  const value = { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
  return serveRouted(ctx, ex, 'openai', model, served, bodyAnswer(value));
}

function sendJson(ex: Exchange, value: unknown): void {
  ex.send(200, JSON_CONTENT_TYPE, prettyJson(value));
}
