import type { ErrorStatus } from '../../wire/envelope.js';

/** OpenAI's error object, the one shape both OpenAI SDKs parse (`{ error: OpenaiError }`). */
export interface OpenaiError {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

/** A request the gateway refuses, with the HTTP status to answer and the body's `error`. */
export interface ResponsesError {
  status: number;
  error: OpenaiError;
}

export function isResponsesError(value: unknown): value is ResponsesError {
  return typeof value === 'object' && value !== null && 'error' in value && 'status' in value;
}

export function invalidRequest(
  message: string,
  param: string | null,
  code: string | null = null,
): ResponsesError {
  return { status: 400, error: { message, type: 'invalid_request_error', param, code } };
}

/** Thrown inside the translation to stop at the first bad field; `responsesRequest` returns its error. */
export class Rejection extends Error {
  constructor(readonly rejected: ResponsesError) {
    super(rejected.error.message);
  }
}

export function reject(message: string, param: string | null, code: string | null = null): never {
  throw new Rejection(invalidRequest(message, param, code));
}

/**
 * An upstream Gemini error (google.rpc.Status) in OpenAI's shape, for answering a Responses client: the SDKs
 * read `error.message` and pick their exception class from the HTTP status, which stays the upstream's.
 */
export function openaiErrorFromGoogle(httpStatus: number, status: ErrorStatus): ResponsesError {
  return {
    status: httpStatus,
    error: { message: status.message, type: errorType(httpStatus), param: null, code: status.status ?? null },
  };
}

function errorType(httpStatus: number): string {
  if (httpStatus === 401) return 'authentication_error';
  if (httpStatus === 403) return 'permission_error';
  if (httpStatus === 404) return 'not_found_error';
  if (httpStatus === 429) return 'rate_limit_error';
  if (httpStatus >= 500) return 'server_error';
  return 'invalid_request_error';
}
