// `npm run test:soak`: the SIGKILL fault harness at full size (10 runs × 5 kills unless FLOWRUN_FAULT_RUNS /
// FLOWRUN_FAULT_KILLS_PER_RUN say otherwise).
import { spawnSync } from 'node:child_process';

const env = {
  ...process.env,
  FLOWRUN_FAULT_RUNS: process.env.FLOWRUN_FAULT_RUNS ?? '10',
  FLOWRUN_FAULT_KILLS_PER_RUN: process.env.FLOWRUN_FAULT_KILLS_PER_RUN ?? '5',
};
const result = spawnSync(process.execPath, ['scripts/run-tests.mjs', 'crash-recovery'], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
