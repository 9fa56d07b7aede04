import type { Dialect, Encoder, EncoderContext } from './dialect.js';
import { createRuntypeEncoder } from './runtype.js';
import { createTravrseEncoder } from './travrse.js';
import { createUnifiedEncoder } from './unified.js';

export function createEncoder(dialect: Dialect, context: EncoderContext): Encoder {
  switch (dialect) {
    case 'travrse': return createTravrseEncoder(context);
    case 'runtype': return createRuntypeEncoder(context);
    case 'unified': return createUnifiedEncoder(context);
  }
}
