import type { Dialect, Encoder, EncoderContext } from './dialect.js';
import { createRuntypeEncoder } from './runtype.js';
import { createRuntypeAgentEncoder } from './runtype-agent.js';
import { createUnifiedAgentEncoder } from './unified-agent.js';
import { createTravrseEncoder } from './travrse.js';
import { createUnifiedEncoder } from './unified.js';

export function createEncoder(dialect: Dialect, context: EncoderContext): Encoder {
  if (context.agent) {
    const agentContext = { ...context, agent: context.agent };
    return dialect === 'unified' ? createUnifiedAgentEncoder(agentContext) : createRuntypeAgentEncoder(agentContext);
  }
  switch (dialect) {
    case 'travrse':
      return createTravrseEncoder(context);
    case 'runtype':
      return createRuntypeEncoder(context);
    case 'unified':
      return createUnifiedEncoder(context);
  }
}
