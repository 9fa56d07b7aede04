import { maxJsonDepth } from './json-depth.js';

/**
 * Bounds on the shape of JSON text that enters as a request body, checked by one linear scan before JSON.parse.
 * JSON.parse runs on the event loop, and what it costs is not only the text's size: each distinct member name of
 * a large object is a new property of a dictionary (150,000 of them, 2.6 MB, held the loop 124–170 ms on this
 * machine), where the same size of ordinary records parses in about 25 ms; and each value is an allocation
 * (600,000 short distinct strings, 5.3 MB, held it 210 ms). So an object may have at most `maxObjectMembers`
 * members, and the body at most `maxDistinctNames` distinct member names and `maxValues` values in all.
 */
export const jsonShapeLimits = { maxDepth: maxJsonDepth, maxObjectMembers: 10_000, maxDistinctNames: 50_000, maxValues: 200_000 };

export interface JsonShapeProblem {
  code: 'NESTING_TOO_DEEP' | 'PAYLOAD_TOO_LARGE';
  message: string;
  /** Where in the body, as a field path (`secrets`, `flow.steps[2].config`); '' for the body as a whole. */
  path: string;
}

interface Frame {
  object: boolean;
  members: number;
  /** Where the name of the member being read starts and ends in the text (objects), -1 before the first. */
  nameStart: number;
  nameEnd: number;
}

/** The first way `text` exceeds the limits, or null. Stops at the first excess; never recurses. */
export function jsonShapeProblem(text: string, limits = jsonShapeLimits): JsonShapeProblem | null {
  const stack: Frame[] = [];
  const names = new Set<string>();
  const values = { count: 0 };
  const tooManyValues = (): JsonShapeProblem => ({
    code: 'PAYLOAD_TOO_LARGE',
    message: `The request body has more than ${limits.maxValues} values`,
    path: '',
  });
  let expectName = false;
  let stringStart = -1;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (stringStart !== -1) {
      if (code === 92) index++;
      else if (code === 34) {
        if (expectName) {
          const frame = stack[stack.length - 1]!;
          frame.nameStart = stringStart;
          frame.nameEnd = index + 1;
          expectName = false;
          names.add(text.slice(stringStart + 1, index));
          if (names.size > limits.maxDistinctNames)
            return {
              code: 'PAYLOAD_TOO_LARGE',
              message: `The request body has more than ${limits.maxDistinctNames} distinct field names`,
              path: '',
            };
        }
        stringStart = -1;
      }
    } else if (code === 34) {
      stringStart = index;
      if (countArrayMember(stack, values) > limits.maxValues) return tooManyValues();
    } else if (code === 123 || code === 91) {
      if (countArrayMember(stack, values) > limits.maxValues) return tooManyValues();
      if (stack.length >= limits.maxDepth)
        return { code: 'NESTING_TOO_DEEP', message: `The request body is nested deeper than ${limits.maxDepth} levels`, path: '' };
      stack.push({ object: code === 123, members: 0, nameStart: -1, nameEnd: -1 });
      expectName = code === 123;
    } else if (code === 125 || code === 93) {
      stack.pop();
      expectName = false;
    } else if (code === 44) {
      const frame = stack[stack.length - 1];
      if (frame?.object) expectName = true;
    } else if (code === 58) {
      const frame = stack[stack.length - 1];
      if (++values.count > limits.maxValues) return tooManyValues();
      if (frame && ++frame.members > limits.maxObjectMembers) {
        frame.members--;
        const path = pathOf(text, stack.slice(0, -1));
        const where = path ? `\`${path}\`` : 'The request body';
        return { code: 'PAYLOAD_TOO_LARGE', message: `${where} has more than ${limits.maxObjectMembers} fields`, path };
      }
    } else if (!isWhitespace(code)) {
      // A number, true, false or null: a member of an array counts when its value starts.
      if ((index === 0 || !isScalarPart(text.charCodeAt(index - 1))) && countArrayMember(stack, values) > limits.maxValues)
        return tooManyValues();
    }
  }
  return null;
}

/**
 * Arrays count their members as each value starts (for the index in a path); objects count theirs at each ':'.
 * Returns the body's count of values so far.
 */
function countArrayMember(stack: Frame[], values: { count: number }): number {
  const frame = stack[stack.length - 1];
  if (frame && !frame.object) {
    frame.members++;
    values.count++;
  }
  return values.count;
}

const isWhitespace = (code: number) => code === 32 || code === 10 || code === 13 || code === 9;
const isScalarPart = (code: number) =>
  (code >= 48 && code <= 57) || (code >= 97 && code <= 122) || code === 45 || code === 43 || code === 46 || code === 69;

/** The field path of the innermost frame of `frames`: the name each object frame was reading, the index of each array. */
function pathOf(text: string, frames: Frame[]): string {
  let path = '';
  for (let depth = 0; depth < frames.length; depth++) {
    const frame = frames[depth]!;
    if (frame.object) {
      const name = frame.nameStart === -1 ? '' : readName(text.slice(frame.nameStart, frame.nameEnd));
      path += path ? `.${name}` : name;
    } else path += `[${frame.members - 1}]`;
  }
  return path;
}

function readName(quoted: string): string {
  try {
    return String(JSON.parse(quoted)).slice(0, 200);
  } catch {
    return quoted.slice(1, -1).slice(0, 200);
  }
}
