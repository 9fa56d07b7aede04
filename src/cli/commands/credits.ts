import { createUlidIds } from '../../ids.js';
import { openDatabase, readConfig } from '../../config.js';
import type { KeyMode } from '../../protocol/tenant.js';
import { addCredits, ensureBalance, getBalance } from '../../store/credits-repository.js';

function scopeOf(options: { tenant: string; mode: string }): { tenantId: string; mode: KeyMode } {
  if (options.mode !== 'test' && options.mode !== 'live') throw new Error(`--mode must be test or live, got '${options.mode}'`);
  return { tenantId: options.tenant, mode: options.mode };
}

export async function addCreditsCommand(options: { tenant: string; mode: string; amount: string; reason?: string }): Promise<void> {
  const amount = Number(options.amount);
  if (!Number.isInteger(amount)) throw new Error(`--amount must be a whole number of credits (1,000,000 = 1 USD), got '${options.amount}'`);
  const config = readConfig();
  const db = await openDatabase(config);
  try {
    const balance = await addCredits(
      db,
      scopeOf(options),
      amount,
      { id: createUlidIds().next('ledger'), now: new Date().toISOString(), reason: options.reason ?? 'top-up (cli)' },
      config.initialCredits,
    );
    process.stdout.write(`tenant ${options.tenant} (${options.mode}): ${balance} credits (${(balance / 1_000_000).toFixed(6)} USD)\n`);
  } finally {
    await db.destroy();
  }
}

export async function showCreditsCommand(options: { tenant: string; mode: string }): Promise<void> {
  const config = readConfig();
  const db = await openDatabase(config);
  try {
    const scope = scopeOf(options);
    await ensureBalance(db, scope, config.initialCredits, createUlidIds().next('ledger'), new Date().toISOString());
    const balance = await getBalance(db, scope);
    process.stdout.write(`tenant ${options.tenant} (${options.mode}): ${balance} credits (${(balance / 1_000_000).toFixed(6)} USD)\n`);
  } finally {
    await db.destroy();
  }
}
