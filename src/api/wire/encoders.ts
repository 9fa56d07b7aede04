import { carryWarnings } from './carry-warnings.js';
import type { Dialect, Encoder, EncoderContext } from './dialect.js';
import { createRuntypeEncoder } from './runtype.js';
import { createRuntypeAgentEncoder } from './runtype-agent.js';
import { createUnifiedAgentEncoder } from './unified-agent.js';
import { createTravrseEncoder } from './travrse.js';
import { createUnifiedEncoder } from './unified.js';

/** A stream's encoder (one per stream: Runtype's carry that stream's warnings to its next frame). */
export function createEncoder(dialect: Dialect, context: EncoderContext): Encoder {
  if (context.agent) {
    const agentContext = { ...context, agent: context.agent };
    return carryWarnings(dialect === 'unified' ? createUnifiedAgentEncoder(agentContext) : createRuntypeAgentEncoder(agentContext));
  }
  switch (dialect) {
    case 'travrse':
      return createTravrseEncoder(context);
    case 'runtype':
      return carryWarnings(createRuntypeEncoder(context));
    case 'unified':
      return carryWarnings(createUnifiedEncoder(context));
  }
}
