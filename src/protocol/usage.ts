export interface Usage {
  inputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  costUsd: number;
}

export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0, reasoningTokens: 0, costUsd: 0 };
}

export function addUsage(total: Usage, part: Usage): Usage {
  return {
    inputTokens: total.inputTokens + part.inputTokens,
    outputTokens: total.outputTokens + part.outputTokens,
    reasoningTokens: total.reasoningTokens + part.reasoningTokens,
    costUsd: roundUsd(total.costUsd + part.costUsd),
  };
}

export function totalTokens(usage: Usage): number {
  return usage.inputTokens + usage.outputTokens;
}

/** Cost is kept to the micro-dollar (one credit), so sums do not drift with float error. */
export function roundUsd(value: number): number {
  return Math.round(value * 1e9) / 1e9;
}
