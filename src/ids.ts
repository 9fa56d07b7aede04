import { randomBytes } from 'node:crypto';
import type { Ids } from './engine/ports.js';

const crockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * Monotonic ULID-style ids (`exec_01JD…`): 10 characters of time, then 16 random ones. Within one millisecond
 * (or if the clock steps back) the random part of the last id is incremented instead of drawn anew, so ids made
 * by one process always sort in the order they were made.
 */
export function createUlidIds(now: () => number = Date.now): Ids {
  let pool = randomBytes(4096);
  let offset = 0;
  let lastTime = -1;
  const digits: number[] = new Array(16).fill(0);
  const draw = (): void => {
    if (offset + digits.length > pool.length) {
      pool = randomBytes(4096);
      offset = 0;
    }
    for (let index = 0; index < digits.length; index++) digits[index] = pool[offset++]! & 31;
  };
  const increment = (): boolean => {
    for (let index = digits.length - 1; index >= 0; index--) {
      if (digits[index]! < 31) {
        digits[index]!++;
        return true;
      }
      digits[index] = 0;
    }
    return false; // 32^16 ids in one millisecond: practically never
  };
  return {
    next(prefix) {
      let time = now();
      if (time <= lastTime) {
        time = lastTime;
        if (!increment()) {
          time = ++lastTime;
          draw();
        }
      } else {
        lastTime = time;
        draw();
      }
      let timeText = '';
      for (let index = 0; index < 10; index++) {
        timeText = crockford[time % 32] + timeText;
        time = Math.floor(time / 32);
      }
      return `${prefix}_${timeText}${digits.map((digit) => crockford[digit]).join('')}`;
    },
  };
}
