import { randomBytes } from 'node:crypto';
import type { Ids } from './engine/ports.js';

const crockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** ULID-style ids (`exec_01JD…`): 10 characters of time, then 16 random ones, so ids sort by creation time. */
export function createUlidIds(now: () => number = Date.now): Ids {
  let pool = randomBytes(4096);
  let offset = 0;
  const random = (count: number): string => {
    if (offset + count > pool.length) {
      pool = randomBytes(4096);
      offset = 0;
    }
    let text = '';
    for (let index = 0; index < count; index++) text += crockford[pool[offset++]! & 31];
    return text;
  };
  return {
    next(prefix) {
      let time = now();
      let timeText = '';
      for (let index = 0; index < 10; index++) {
        timeText = crockford[time % 32] + timeText;
        time = Math.floor(time / 32);
      }
      return `${prefix}_${timeText}${random(16)}`;
    },
  };
}
