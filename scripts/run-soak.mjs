// `npm run test:soak`: the crash soak at full size: 1,000 SIGKILLs over the mixed workload with 4 clients, unless
// FLOWRUN_SOAK_KILLS / FLOWRUN_SOAK_CLIENTS / FLOWRUN_FAULT_SEED say otherwise. Its figures go to the console and
// to soak-report.json (FLOWRUN_SOAK_REPORT); FLOWRUN_SOAK_LOGS=<file> keeps every server process's output.
import { spawnSync } from 'node:child_process';

const env = {
  ...process.env,
  FLOWRUN_SOAK_KILLS: process.env.FLOWRUN_SOAK_KILLS ?? '1000',
  FLOWRUN_SOAK_CLIENTS: process.env.FLOWRUN_SOAK_CLIENTS ?? '4',
  FLOWRUN_SOAK_REPORT: process.env.FLOWRUN_SOAK_REPORT ?? 'soak-report.json',
  // The node test runner times out a whole test file too: give the soak three hours.
  FLOWRUN_TEST_TIMEOUT_MS: process.env.FLOWRUN_TEST_TIMEOUT_MS ?? String(3 * 60 * 60_000),
};
const result = spawnSync(process.execPath, ['scripts/run-tests.mjs', 'crash-soak'], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
