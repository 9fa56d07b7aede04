import type { ModelGateway, ModelRequest, ModelStreamPart } from '../engine/ports.js';
import { FlowrunError } from '../protocol/errors.js';
import type { TenantScope } from '../protocol/tenant.js';
import { defaultMaxTokens, usdToCredits, worstCaseCallUsd } from '../protocol/credits.js';
import { extendReservation } from '../store/credits-repository.js';
import type { Database } from '../store/database.js';
import { leaseLost } from '../queue/fencing.js';
import { whileTransient } from '../queue/store-retry.js';

/**
 * The credit budget of one root run and every run it starts (flow tools, sub-agents): before each model call
 * the call's worst case must fit in what the root run holds reserved beyond what it has spent; when it does
 * not, more is reserved from the balance (one conditional update), and when the balance cannot cover it the
 * call is refused with COST_LIMIT_EXCEEDED (402), so a run never costs more than the tenant had.
 *
 * The worst case of a call is an upper bound, not an estimate: input tokens ≤ the UTF-8 bytes of everything
 * sent (every token covers at least one byte), output tokens ≤ `maxTokens` (set on the request when absent).
 */
export interface CreditMeter {
  /** Reserves the call's worst case (throws COST_LIMIT_EXCEEDED); returns the release to call with its real cost. */
  admit(worstCredits: number): Promise<(actualCostUsd: number) => void>;
  /** What the run (and its children) spent and has not settled yet: its charge can be no less. */
  unsettledCredits(): number;
}

export function createCreditMeter(deps: {
  db: Database;
  scope: TenantScope;
  executionId: string;
  costSoFarUsd: number;
  /** The lease owner the run's reservation may be extended under (fencing). */
  owner?: string;
  /** How long its store work is tried again while the store is away (FLOWRUN_COMMIT_RETRY_MS). */
  retryMs?: number;
  /** The row's reservation and charged credits, when the caller knows them (a fresh run): not read. */
  known?: { reserved: number; used: number };
}): CreditMeter {
  let loaded: Promise<void> | null = deps.known ? Promise.resolve() : null;
  let reserved = deps.known?.reserved ?? 0;
  // What the run spent before (a resumed run's earlier cost, less what a pause settled), and in this process.
  let earlier = deps.known ? Math.max(0, usdToCredits(deps.costSoFarUsd) - deps.known.used) : 0;
  let spentUsd = 0;
  const spent = () => earlier + usdToCredits(spentUsd);
  let inFlight = 0;
  let extending: Promise<unknown> = Promise.resolve();
  // Read once; a read that failed (the store away past the retry window) is tried again by the next call.
  const load = () =>
    (loaded ??= whileTransient(
      () =>
        deps.db.selectFrom('executions').select(['credits_reserved', 'credits_used']).where('id', '=', deps.executionId).executeTakeFirst(),
      deps.retryMs,
    ).then(
      (row) => {
        reserved = Number(row?.credits_reserved ?? 0);
        earlier = Math.max(0, usdToCredits(deps.costSoFarUsd) - Number(row?.credits_used ?? 0));
      },
      (error: unknown) => {
        loaded = null;
        throw error;
      },
    ));
  return {
    async admit(worst) {
      await load();
      // Extensions run one at a time, so concurrent calls (parallel sub-agents) see each other's holds.
      const turn = extending.then(async () => {
        const need = spent() + inFlight + worst - reserved;
        if (need > 0) {
          // Tried again on a passing failure: a reservation taken twice (a commit whose answer was lost) is only
          // held longer, and goes back whole at the run's end.
          const extended = await whileTransient(
            () => extendReservation(deps.db, deps.scope, deps.executionId, need, deps.owner),
            deps.retryMs,
          );
          if (extended === 'fenced') throw leaseLost(deps.executionId);
          if (extended === 'short') {
            throw new FlowrunError(
              'COST_LIMIT_EXCEEDED',
              `Not enough credits for the next model call (it may cost up to ${worst} credits); top up with the CLI's \`credits add\` (in a clone: \`node dist/cli/index.js credits add\`)`,
              [
                {
                  code: 'COST_LIMIT_EXCEEDED',
                  message: `the balance does not cover the worst case of the next model call (${worst} credits)`,
                },
              ],
            );
          }
          reserved += need;
        }
        inFlight += worst;
      });
      extending = turn.catch(() => undefined);
      await turn;
      let released = false;
      return (actual) => {
        if (released) return;
        released = true;
        inFlight -= worst;
        spentUsd += actual;
      };
    },
    unsettledCredits: spent,
  };
}

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Input tokens allowed per message for its framing (role markers, separators). */
const tokensPerMessage = 8;

/** An upper bound of a request's input tokens: every byte of text a token at most, plus framing per message. */
function inputTokenBound(request: ModelRequest): number {
  let bytes = utf8Bytes(request.system ?? '') + (request.tools?.length ? utf8Bytes(JSON.stringify(request.tools)) : 0);
  for (const message of request.messages) {
    bytes += tokensPerMessage;
    if (!('content' in message)) bytes += utf8Bytes(JSON.stringify(message.results));
    else {
      bytes += typeof message.content === 'string' ? utf8Bytes(message.content) : utf8Bytes(JSON.stringify(message.content));
      if ('toolCalls' in message) bytes += utf8Bytes(JSON.stringify(message.toolCalls));
    }
  }
  return bytes;
}

/** The worst-case credits of one call, and the request as sent (with `maxTokens` made explicit for priced models). */
export function worstCaseOf(models: ModelGateway, request: ModelRequest): { credits: number; request: ModelRequest } {
  const resolution = models.resolve(request.model);
  const price = resolution.ok ? resolution.price : undefined;
  if (!price) return { credits: 0, request };
  const maxTokens = request.maxTokens ?? defaultMaxTokens;
  return { credits: usdToCredits(worstCaseCallUsd(price, inputTokenBound(request), maxTokens)), request: { ...request, maxTokens } };
}

/** A gateway whose every call is admitted by the meter first, and whose real cost is reported back to it. */
export function createMeteredGateway(models: ModelGateway, meter: CreditMeter): ModelGateway {
  return {
    resolve: (model) => models.resolve(model),
    async *stream(original): AsyncIterable<ModelStreamPart> {
      const { credits, request } = worstCaseOf(models, original);
      const release = await meter.admit(credits);
      let actual = 0;
      try {
        for await (const part of models.stream(request)) {
          if (part.type === 'finish') actual = part.usage.costUsd;
          yield part;
        }
      } finally {
        release(actual);
      }
    },
  };
}
