import { createUlidIds } from '../../ids.js';
import { openDatabase, readConfig } from '../../config.js';
import type { KeyMode } from '../../protocol/tenant.js';
import { createApiKey, listApiKeys, revokeApiKey, setKeyLimits, type KeyLimits } from '../../store/keys-repository.js';
import { cliCommand } from '../invocation.js';

interface LimitOptions {
  rateLimitPerMinute?: string;
  maxRunsInFlight?: string;
}

/** `--rate-limit-per-minute` / `--max-runs-in-flight`: a whole number (0: no limit), or `default` for the server's. */
function limitsOf(options: LimitOptions): Partial<KeyLimits> {
  const parse = (value: string | undefined, flag: string): number | null | undefined => {
    if (value === undefined) return undefined;
    if (value === 'default') return null;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`${flag} takes a whole number (0: no limit) or 'default', got '${value}'`);
    return parsed;
  };
  const rateLimitPerMinute = parse(options.rateLimitPerMinute, '--rate-limit-per-minute');
  const maxRunsInFlight = parse(options.maxRunsInFlight, '--max-runs-in-flight');
  return {
    ...(rateLimitPerMinute !== undefined ? { rateLimitPerMinute } : {}),
    ...(maxRunsInFlight !== undefined ? { maxRunsInFlight } : {}),
  };
}

export async function setKeyLimitsCommand(id: string, options: LimitOptions): Promise<void> {
  const limits = limitsOf(options);
  if (Object.keys(limits).length === 0) throw new Error('give --rate-limit-per-minute and/or --max-runs-in-flight');
  const db = await openDatabase(readConfig());
  try {
    if (!(await setKeyLimits(db, id, limits))) throw new Error(`no key with id ${id}`);
    process.stdout.write(`Limits of ${id} set (they apply within FLOWRUN_KEY_CACHE_TTL_MS)\n`);
  } finally {
    await db.destroy();
  }
}

export async function createKeyCommand(
  options: { mode: string; tenant: string; name?: string; json?: boolean } & LimitOptions,
): Promise<void> {
  if (options.mode !== 'test' && options.mode !== 'live') throw new Error(`--mode must be test or live, got '${options.mode}'`);
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(options.tenant)) throw new Error('--tenant takes 1-100 letters, digits, _ . -');
  const limits = limitsOf(options);
  const db = await openDatabase(readConfig());
  try {
    const { key, info } = await createApiKey(db, {
      limits,
      tenantId: options.tenant,
      mode: options.mode as KeyMode,
      name: options.name,
      id: createUlidIds().next('key'),
      now: new Date().toISOString(),
    });
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ key, id: info.id, tenant: info.tenantId, mode: info.mode })}\n`);
    } else {
      process.stdout.write(`${key}\n`);
      process.stderr.write(
        `Created ${info.mode} key ${info.id} for tenant '${info.tenantId}'. Store it now: Flowrun keeps only its hash and will not show it again.\n`,
      );
    }
  } finally {
    await db.destroy();
  }
}

export async function listKeysCommand(options: { tenant?: string; json?: boolean }): Promise<void> {
  const db = await openDatabase(readConfig());
  try {
    const keys = await listApiKeys(db, options.tenant);
    if (options.json) {
      process.stdout.write(`${JSON.stringify(keys)}\n`);
      return;
    }
    if (keys.length === 0) {
      process.stdout.write(`No keys. Create one with: ${cliCommand()} keys create\n`);
      return;
    }
    for (const key of keys) {
      process.stdout.write(
        `${key.id}  ${key.prefix}  tenant=${key.tenantId}  mode=${key.mode}  created=${key.createdAt}${key.revokedAt ? `  revoked=${key.revokedAt}` : ''}\n`,
      );
    }
  } finally {
    await db.destroy();
  }
}

export async function revokeKeyCommand(id: string): Promise<void> {
  const db = await openDatabase(readConfig());
  try {
    if (!(await revokeApiKey(db, id, new Date().toISOString()))) throw new Error(`no active key with id ${id}`);
    process.stdout.write(`Revoked ${id}. Running servers stop accepting it within FLOWRUN_KEY_CACHE_TTL_MS.\n`);
  } finally {
    await db.destroy();
  }
}
