/**
 * The credit arithmetic, in one place: 1,000,000 credits = 1 USD; every conversion rounds up (a fraction of a
 * credit is charged as one), so a run's charge in the ledger, its `creditsUsed` and an agent tree's totals
 * agree; and a call's worst case is an upper bound the credit meter holds it to.
 */

export const creditsPerUsd = 1_000_000;

/** Output tokens assumed (and asked for) when a priced model call names no `maxTokens`. */
export const defaultMaxTokens = 4096;

/** Input tokens allowed for a call's framing (roles, separators) beyond its text. */
export const framingTokens = 64;

/** USD in credits, rounded up: the one rounding rule (the ledger, run documents and agent trees all use it). */
export function usdToCredits(usd: number): number {
  // The epsilon keeps a float sum like 0.1 + 0.2 (0.30000000000000004 USD) from charging a credit more; a cost is
  // never negative (and nothing costs -0).
  return Math.max(0, Math.ceil(usd * creditsPerUsd - 1e-6));
}

/** Credits in USD (exact for whole credits). */
export function creditsToUsd(credits: number): number {
  return credits / creditsPerUsd;
}

/** A model's price in USD per million tokens, input and output. */
export interface TokenPrice {
  input: number;
  output: number;
}

/** The most one call can cost in USD: every input token at the input price, `maxTokens` at the output price. */
export function worstCaseCallUsd(price: TokenPrice, inputTokens: number, maxTokens = defaultMaxTokens): number {
  return (inputTokens * price.input + maxTokens * price.output) / 1_000_000;
}

/**
 * A run's worst-case credits before it starts, per model call: one input token per prompt character plus the
 * framing allowance (a token covers at least one byte, so this bounds the real count), plus `maxTokens` out.
 * At least one credit; an unpriced model costs one.
 */
export function worstCaseCredits(
  price: TokenPrice | undefined,
  promptChars: number,
  maxTokens: number | undefined,
  modelCalls: number,
): number {
  if (!price) return 1;
  return Math.max(1, usdToCredits(worstCaseCallUsd(price, promptChars + framingTokens, maxTokens) * modelCalls));
}
