import { JSON_CONTENT_TYPE } from '../wire/envelope.js';
import type { GeminiRoute } from '../wire/path.js';
import type { GenerationMethod } from '../wire/types.js';
import { answerMethod } from './content/methods.js';
import type { SimContext } from './context.js';
import { bodyAnswer, type Framing, prettyJson, sendError, streamAnswer } from './delivery.js';
import type { Exchange } from './exchange.js';
import { invalidArgument, modelNotFound, unknownModel } from './google-errors.js';
import { modelPage } from './model-resource.js';
import { authenticate, readJson, serveRouted } from './request-flow.js';

type ModelRoute = Extract<GeminiRoute, { kind: 'listModels' | 'getModel' | 'method' }>;

/** The native Gemini REST surface: `models`, `models/{m}`, `models/{m}:{verb}` (docs/wire.md §1). */
export async function handleGemini(
  ctx: SimContext,
  ex: Exchange,
  route: ModelRoute,
  query: URLSearchParams | undefined,
): Promise<void> {
  if (route.kind === 'method') return handleMethod(ctx, ex, route, query);
  if (!authenticate(ctx, ex, query, 'unary')) return;
  if (route.kind === 'listModels') return listModels(ctx, ex, query);
  return getModel(ctx, ex, route.model, route.version);
}

function listModels(ctx: SimContext, ex: Exchange, query: URLSearchParams | undefined): void {
  const size = Number.parseInt(query?.get('pageSize') ?? '', 10);
  const page = modelPage(
    ctx.fleet.resources,
    Number.isNaN(size) ? undefined : size,
    query?.get('pageToken') ?? undefined,
  );
  if (page) ex.send(200, JSON_CONTENT_TYPE, prettyJson(page));
  else sendError(ex, 'unary', invalidArgument('Invalid page token.'));
}

/**
 * A public model's resource; a build's own name answers too (as `gemini-2.5-flash-001` does on the
 * real service), except a dead build, which is not found.
 */
function getModel(ctx: SimContext, ex: Exchange, id: string, version: string): void {
  const model = ctx.fleet.model(id);
  const build = ctx.fleet.build(id);
  if (model) ex.send(200, JSON_CONTENT_TYPE, prettyJson(model.resource));
  else if (!build) sendError(ex, 'unary', unknownModel(id, version, 'get'));
  else if (build.behaviour.kind === 'dead') sendError(ex, 'unary', modelNotFound(build.name));
  else
    ex.send(
      200,
      JSON_CONTENT_TYPE,
      prettyJson({ ...build.model.resource, name: `models/${build.name}`, version: build.name }),
    );
}

async function handleMethod(
  ctx: SimContext,
  ex: Exchange,
  route: Extract<GeminiRoute, { kind: 'method' }>,
  query: URLSearchParams | undefined,
): Promise<void> {
  const framing = framingOf(route.method, query);
  if (!authenticate(ctx, ex, query, framing)) return;
  const body = await readJson(ctx, ex, framing);
  if (!body) return;
  const served = ctx.fleet.route(route.model);
  if (!served?.model.methods.has(route.method)) {
    return sendError(ex, framing, unknownModel(route.model, route.version, route.method));
  }
  const answer = answerMethod(route.method, body, route.model, served, () => ctx.newResponseId());
  if (answer.kind === 'error') return sendError(ex, framing, answer.error);
  const rendered = answer.kind === 'json' ? bodyAnswer(answer.value) : streamAnswer(framing, answer.chunks);
  return serveRouted(ctx, ex, framing, route.model, served, rendered);
}

/** `alt=sse` streams SSE; a stream without it (or `alt=json`) is the JSON array (docs/wire.md §7.5). */
function framingOf(method: GenerationMethod, query: URLSearchParams | undefined): Framing {
  if (method !== 'streamGenerateContent') return 'unary';
  return query?.get('alt') === 'sse' ? 'sse' : 'jsonArray';
}
