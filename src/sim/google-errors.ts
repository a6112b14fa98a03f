export { invalidApiKey, missingApiKey } from '../wire/auth-errors.js';

import { type ErrorDetail, type ErrorStatus, errorStatus, retryInfo } from '../wire/envelope.js';

/**
 * The errors the simulator answers with, worded as the real service words them (docs/wire.md §2.1,
 * docs/wire.md §3.4, §8). Clients and the gateway's classifier key on these texts and statuses.
 */

/** How the real 404 names the verb: streams say `StreamGenerateContent` (docs/wire.md §8.2, O: NextChat#4699). */
const VERB_IN_404: Record<string, string> = { streamGenerateContent: 'StreamGenerateContent' };

/** 404 for a model the catalogue does not have (O: google/adk-python#200). */
export function unknownModel(model: string, version: string, method: string): ErrorStatus {
  const verb = VERB_IN_404[method] ?? method;
  return errorStatus(
    404,
    `models/${model} is not found for API version ${version}, or is not supported for ${verb}. ` +
      'Call ListModels to see the list of available models and their supported methods.',
  );
}

/** 404 from a decommissioned backing build (the incident's exact text). */
export function modelNotFound(build: string, message?: string): ErrorStatus {
  return errorStatus(404, message ?? `Model not found: models/${build}`);
}

/**
 * 429 with QuotaFailure, Help and RetryInfo, as in RooCodeInc/Roo-Code#3883 (docs/wire.md §8.1); without a delay the
 * RetryInfo detail is left out: a 429 that does not say how long to wait.
 */
export function quotaExceeded(
  model: string,
  retryDelayMs: number | undefined,
  message?: string,
): ErrorStatus {
  const details: ErrorDetail[] = [
    {
      '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
      violations: [
        {
          quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
          quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier',
          quotaDimensions: { location: 'global', model },
          quotaValue: '10',
        },
      ],
    },
    {
      '@type': 'type.googleapis.com/google.rpc.Help',
      links: [
        {
          description: 'Learn more about Gemini API quotas',
          url: 'https://ai.google.dev/gemini-api/docs/rate-limits',
        },
      ],
    },
  ];
  if (retryDelayMs !== undefined) details.push(retryInfo(retryDelayMs));
  return errorStatus(
    429,
    message ??
      'You exceeded your current quota, please check your plan and billing details. For more information on ' +
        'this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.',
    details,
  );
}

const SERVER_ERROR_TEXT: Record<number, string> = {
  500:
    'An internal error has occurred. Please retry or report in ' +
    'https://developers.generativeai.google/guide/troubleshooting',
  503: 'This model is currently experiencing high demand. Spikes in demand are usually temporary. Please try again later.',
  504: 'Deadline expired before operation could complete.',
};

/** A 5xx (or any status) with the text Google uses for it (docs/wire.md §8.2). */
export function serverError(status: number, message?: string): ErrorStatus {
  return errorStatus(status, message ?? SERVER_ERROR_TEXT[status] ?? 'The service is currently unavailable.');
}

/** 400 for a body that is not JSON, with the BadRequest detail Google attaches (docs/wire.md §3.4). */
export function invalidJson(reason: string): ErrorStatus {
  const message = `Invalid JSON payload received. ${reason}`;
  return errorStatus(400, message, [
    { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ description: message }] },
  ]);
}

/** 400 for a request that parses but misses or misuses a field; Google's `* Field: text` form. */
export function invalidField(field: string, text: string): ErrorStatus {
  return errorStatus(400, `* ${field}: ${text}\n`, [
    { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field, description: text }] },
  ]);
}

/** 400 with a plain message. */
export function invalidArgument(message: string): ErrorStatus {
  return errorStatus(400, message);
}

/** 400 for a body over the inline request limit; Google's wording. */
export function payloadTooLarge(limitBytes: number): ErrorStatus {
  return errorStatus(400, `Request payload size exceeds the limit: ${limitBytes} bytes.`);
}
