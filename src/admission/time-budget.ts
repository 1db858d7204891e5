/**
 * The time a review may take. The API server gives up on a webhook call after its `timeoutSeconds`
 * (1 to 30, default 10) and tells the webhook how long that is in the `timeout` query parameter
 * (`/validate?timeout=10s`, a Go duration). An answer after that is thrown away and the request
 * fails or passes by `failurePolicy`, not by our rules; so a review that has already used most of
 * its time (its body arrived slowly, or it waited behind others) is answered at once by the
 * configured behaviour instead of being judged for nobody.
 */
import parseDuration from 'parse-duration';

/** What happens to a review that arrives with too little time left to be judged. */
export const ON_TIMEOUT_VALUES = ['deny', 'allow'] as const;
export type OnTimeout = (typeof ON_TIMEOUT_VALUES)[number];

/** The API's default `timeoutSeconds`, used when the query has none we can read. */
export const DEFAULT_TIMEOUT_MS = 10_000;
const MIN_TIMEOUT_MS = 1_000;
const MAX_TIMEOUT_MS = 30_000;
/** Share of the timeout we may use; the rest is for the answer's way back and the API server. */
const BUDGET_SHARE = 0.8;

/**
 * The API server's timeout for this call, clamped to what the API allows (1 to 30 s). A missing,
 * repeated or unreadable value means the default: the query is the caller's, not something to
 * fail a review over.
 */
export function reviewTimeoutMs(query: unknown): number {
  const text = typeof query === 'object' && query !== null ? (query as Record<string, unknown>).timeout : undefined;
  if (typeof text !== 'string' || text.length > 32) return DEFAULT_TIMEOUT_MS;
  const parsed = parseDuration(text);
  if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed <= 0) return DEFAULT_TIMEOUT_MS;
  return Math.min(MAX_TIMEOUT_MS, Math.max(MIN_TIMEOUT_MS, parsed));
}

/** How long after its arrival a review may still be judged. */
export function reviewBudgetMs(timeoutMs: number): number {
  return timeoutMs * BUDGET_SHARE;
}
