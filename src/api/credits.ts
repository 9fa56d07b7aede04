import type { RunOutcome } from '../engine/run-flow.js';
import { FlowrunError } from '../protocol/errors.js';
import type { TenantScope } from '../protocol/tenant.js';
import { ensureBalance, reserveCredits, settleCredits } from '../store/credits-repository.js';
import type { AppDeps } from './app-deps.js';

export const creditsPerUsd = 1_000_000;

export function usdToCredits(usd: number): number {
  return Math.ceil(usd * creditsPerUsd - 1e-6);
}

export interface Reservation {
  scope: TenantScope;
  reserved: number;
}

/**
 * Before a run calls any model: refuse it (402 COST_LIMIT_EXCEEDED) when its worst case exceeds the caller's
 * `maxRequestCostCredits`, or when the balance cannot cover its worst case; else reserve the worst case with
 * one conditional update, so concurrent runs can never overdraw.
 */
export async function reserveForRun(deps: Pick<AppDeps, 'db' | 'ids' | 'clock' | 'settings'>, scope: TenantScope, worstCaseCredits: number, maxRequestCostCredits?: number): Promise<Reservation> {
  if (maxRequestCostCredits !== undefined && worstCaseCredits > maxRequestCostCredits) {
    throw new FlowrunError('COST_LIMIT_EXCEEDED', `This run may cost up to ${worstCaseCredits} credits, more than maxRequestCostCredits (${maxRequestCostCredits})`, [
      { code: 'COST_LIMIT_EXCEEDED', path: 'maxRequestCostCredits', message: `worst case ${worstCaseCredits} credits > ${maxRequestCostCredits}` },
    ]);
  }
  const now = new Date(deps.clock.now()).toISOString();
  await ensureBalance(deps.db, scope, deps.settings.initialCredits, deps.ids.next('ledger'), now);
  const amount = Math.max(1, worstCaseCredits);
  if ((await reserveCredits(deps.db, scope, amount)) !== null) return { scope, reserved: amount };
  throw new FlowrunError('COST_LIMIT_EXCEEDED', `Not enough credits: this run may cost up to ${amount} credits; top up with \`npx flowrun credits add\``, [
    { code: 'COST_LIMIT_EXCEEDED', message: `the credit balance does not cover the run's worst case (${amount} credits)` },
  ]);
}

/** After the run: charge what it cost (never more than reserved plus what is left) and give the rest back. */
export async function settleRun(deps: Pick<AppDeps, 'db' | 'ids' | 'clock'>, reservation: Reservation, outcome: Pick<RunOutcome, 'usage'> | null, executionId: string): Promise<{ creditsUsed: number; creditsLeft: number }> {
  const actual = outcome ? usdToCredits(outcome.usage.costUsd) : 0;
  const { balance, charged } = await settleCredits(deps.db, reservation.scope, reservation.reserved, actual, {
    id: deps.ids.next('ledger'), executionId, now: new Date(deps.clock.now()).toISOString(), reason: 'run',
  });
  await deps.db.updateTable('executions').set({ credits_used: charged }).where('id', '=', executionId).execute();
  return { creditsUsed: charged, creditsLeft: balance };
}

/** A run's worst-case credits from the catalog: prompt characters / 4 at the input price plus maxTokens at the output price, per model call. */
export function worstCaseCredits(price: { input: number; output: number } | undefined, promptChars: number, maxTokens: number, modelCalls: number): number {
  if (!price) return 1;
  const perCall = (Math.ceil(promptChars / 4) * price.input + maxTokens * price.output) / 1_000_000;
  return Math.max(1, usdToCredits(perCall * modelCalls));
}
