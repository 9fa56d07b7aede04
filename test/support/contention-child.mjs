// One of several processes that race on the same store (test/store-contract.test.ts): it spends credits, decides
// approvals and claims idempotency keys as fast as it can, all at once, and prints what it won as JSON.
import { openDatabase } from '../../dist/config.js';
import { decideApproval } from '../../dist/store/approvals-repository.js';
import { reserveCredits, settleCredits } from '../../dist/store/credits-repository.js';
import { claimIdempotencyKey } from '../../dist/store/idempotency-repository.js';

const { database, worker, scope, spends, amount, approvalIds, keys, startAt } = JSON.parse(process.argv[2]);
const db = await openDatabase(database);
await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
const now = new Date().toISOString();
const won = { reserved: 0, decided: [], claims: {} };

async function spend(loop) {
  for (let index = 0; index < spends; index++) {
    if (!(await reserveCredits(db, scope, amount))) continue;
    won.reserved++;
    const entry = { id: `ledger_${worker}_${loop}_${index}`, executionId: `exec_${worker}_${loop}_${index}`, now, reason: 'run' };
    await db.transaction().execute((trx) => settleCredits(trx, scope, amount, amount, entry));
  }
}

async function decide() {
  for (const id of approvalIds) {
    if (await decideApproval(db, id, worker % 2 ? 'approved' : 'denied', `worker-${worker}`, undefined, now)) won.decided.push(id);
  }
}

async function claim() {
  for (const key of keys) won.claims[key] = await claimIdempotencyKey(db, scope, key, `exec_${worker}_${key}`, Date.now(), 60_000);
}

await Promise.all([spend(0), spend(1), decide(), claim()]);
await db.destroy();
process.stdout.write(JSON.stringify(won));
