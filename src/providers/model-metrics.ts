import { Counter, Histogram, Registry } from 'prom-client';

/** Model calls as Prometheus sees them: latency, tokens, cost and failures by model (one registry per process). */
export const modelMetricsRegistry = new Registry();

const calls = new Histogram({
  name: 'flowrun_model_call_duration_seconds',
  help: 'Model calls from request to their last part, by model and outcome',
  labelNames: ['model', 'outcome'],
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120],
  registers: [modelMetricsRegistry],
});
const tokens = new Counter({
  name: 'flowrun_model_tokens_total',
  help: 'Tokens by model and kind (input, output, reasoning)',
  labelNames: ['model', 'kind'],
  registers: [modelMetricsRegistry],
});
const cost = new Counter({
  name: 'flowrun_model_cost_usd_total',
  help: 'What model calls cost, in USD, by model',
  labelNames: ['model'],
  registers: [modelMetricsRegistry],
});

export function recordModelCall(
  model: string,
  startedAt: number,
  outcome: 'ok' | 'error',
  usage?: { inputTokens: number; outputTokens: number; reasoningTokens: number; costUsd: number },
): void {
  calls.observe({ model, outcome }, (performance.now() - startedAt) / 1000);
  if (!usage) return;
  tokens.inc({ model, kind: 'input' }, usage.inputTokens);
  tokens.inc({ model, kind: 'output' }, usage.outputTokens);
  if (usage.reasoningTokens) tokens.inc({ model, kind: 'reasoning' }, usage.reasoningTokens);
  if (usage.costUsd) cost.inc({ model }, usage.costUsd);
}
