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

/** The least time any review may be judged in: the budget of the shortest timeout the API allows. */
const LEAST_BUDGET_MS = reviewBudgetMs(MIN_TIMEOUT_MS);

/**
 * The API server's timeout when a review `elapsedMs` after its arrival is past its budget, or
 * undefined while it may still be judged. A review younger than the least budget of all is on
 * time whatever its query says, so the query is read only for the rare late one: parsing it on
 * every review cost 0.85 µs per review in the server (README, Performance).
 */
export function overBudgetTimeoutMs(query: unknown, elapsedMs: number): number | undefined {
  if (elapsedMs <= LEAST_BUDGET_MS) return undefined;
  const timeoutMs = reviewTimeoutMs(query);
  return elapsedMs > reviewBudgetMs(timeoutMs) ? timeoutMs : undefined;
}
