import { type CallError, errorLabel } from './outcome.js';

/** All failures that share one (HTTP status or transport code, message), with how many there were. */
export interface ErrorGroup {
  /** `404 NOT_FOUND`, `ECONNREFUSED`, `timeout`, … (see errorLabel). */
  label: string;
  /** One of the grouped errors; they differ in nothing that is grouped on. */
  example: CallError;
  count: number;
}

/** Groups by (label, message), most frequent first; ties keep first-seen order. */
export function groupErrors(errors: readonly CallError[]): ErrorGroup[] {
  const groups = new Map<string, ErrorGroup>();
  for (const error of errors) {
    const label = errorLabel(error);
    const key = `${label}\u0000${error.message}`;
    const group = groups.get(key);
    if (group) group.count++;
    else groups.set(key, { label, example: error, count: 1 });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}
