import { creditsToUsd, usdToCredits } from '../protocol/credits.js';
import { z } from 'zod';

/** Prices are USD per million tokens. `reasoning` defaults to the output price. */
export const CatalogEntry = z.object({
  provider: z.string(),
  input: z.number().min(0),
  output: z.number().min(0),
  reasoning: z.number().min(0).optional(),
  /** False for a model that takes text only: a run sending it images or files is refused with a 422. */
  images: z.boolean().optional(),
});
export type CatalogEntry = z.infer<typeof CatalogEntry>;

export const ModelCatalog = z.object({
  families: z.array(z.object({ prefix: z.string(), provider: z.string() })).default([]),
  models: z.record(z.string(), CatalogEntry),
});
export type ModelCatalog = z.infer<typeof ModelCatalog>;

export function parseCatalog(json: unknown): ModelCatalog {
  return ModelCatalog.parse(json);
}

export function priceUsd(entry: CatalogEntry | undefined, tokens: { input: number; output: number; reasoning: number }): number {
  if (!entry) return 0;
  const textOutput = Math.max(0, tokens.output - tokens.reasoning);
  // Rounded up once, here, to whole credits (1 credit = 1e-6 USD): every total (a run, a tree, the ledger) is then
  // a sum of these integers and adds up exactly.
  const usd = (tokens.input * entry.input + textOutput * entry.output + tokens.reasoning * (entry.reasoning ?? entry.output)) / 1_000_000;
  return creditsToUsd(usdToCredits(usd));
}
