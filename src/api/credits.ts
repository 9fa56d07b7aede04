import { FlowrunError } from '../protocol/errors.js';
import type { TenantScope } from '../protocol/tenant.js';
import { usdToCredits } from '../store/credits-repository.js';
import type { AppDeps } from './app-deps.js';

const ensured = new WeakMap<object, Set<string>>();

export interface Reservation {
  scope: TenantScope;
  reserved: number;
}

/**
 * Before a run calls any model: refuse it (402 COST_LIMIT_EXCEEDED) when its worst case exceeds the caller's
 * `maxRequestCostCredits`; else say how much to reserve. The reservation itself is taken by `startRun`, with one
 * conditional update in the transaction that creates the run (a 402 when the balance cannot cover it), so
 * concurrent runs can never overdraw and a crash can never take credits that no run holds.
 */
export async function reserveForRun(
  deps: Pick<AppDeps, 'store' | 'ids' | 'clock' | 'settings'>,
  scope: TenantScope,
  worstCaseCredits: number,
  maxRequestCostCredits?: number,
): Promise<Reservation> {
  if (maxRequestCostCredits !== undefined && worstCaseCredits > maxRequestCostCredits) {
    throw new FlowrunError(
      'COST_LIMIT_EXCEEDED',
      `This run may cost up to ${worstCaseCredits} credits, more than maxRequestCostCredits (${maxRequestCostCredits})`,
      [
        {
          code: 'COST_LIMIT_EXCEEDED',
          path: 'maxRequestCostCredits',
          message: `worst case ${worstCaseCredits} credits > ${maxRequestCostCredits}`,
        },
      ],
    );
  }
  // The balance row is created (with the initial grant) once; afterwards this is no extra write per run.
  const known = ensured.get(deps.store) ?? new Set<string>();
  ensured.set(deps.store, known);
  const scopeKey = `${scope.tenantId}\u0000${scope.mode}`;
  if (!known.has(scopeKey)) {
    await deps.store.ensureBalance(scope, deps.settings.initialCredits, deps.ids.next('ledger'), new Date(deps.clock.now()).toISOString());
    known.add(scopeKey);
  }
  return { scope, reserved: Math.max(1, worstCaseCredits) };
}

/** Input tokens allowed for a call's framing (roles, separators) beyond its text. */
export const framingTokens = 64;

/**
 * A run's worst-case credits from the catalog, per model call: one input token per prompt character plus the
 * framing allowance at the input price (a token covers at least one byte, so this bounds the real count), plus
 * maxTokens at the output price. The credit meter holds each call to the same kind of bound.
 */
export function worstCaseCredits(
  price: { input: number; output: number } | undefined,
  promptChars: number,
  maxTokens: number,
  modelCalls: number,
): number {
  if (!price) return 1;
  const perCall = ((promptChars + framingTokens) * price.input + maxTokens * price.output) / 1_000_000;
  return Math.max(1, usdToCredits(perCall * modelCalls));
}
