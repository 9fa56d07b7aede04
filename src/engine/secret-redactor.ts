import { secretLimits } from '../protocol/secrets.js';

/**
 * Removes secret values from anything that is stored or streamed. A secret (4+ characters) is found in its
 * own spelling and in the spellings a run commonly turns it into: any letter case (a URL's host is
 * lower-cased, Liquid has `upcase`), percent-encoding (URLs, form bodies) and base64 (Basic auth). Values are
 * redacted by walking them (strings and object keys), never by editing their JSON text.
 *
 * All spellings of all secrets are found in one pass over the text (an Aho–Corasick automaton built once per
 * secret set), so the work is linear in the text whatever the number of secrets: one `indexOf` per secret
 * over a megabyte of output held the event loop for seconds with 100,000 secrets.
 */
export interface SecretRedactor {
  /** Whether there is anything to redact at all. */
  readonly active: boolean;
  /** The longest spelling of any secret: a stream must hold back one character less than this. */
  readonly longest: number;
  redactText(text: string): string;
  redact<T>(value: T): T;
  /** Where secrets occur in `text`, as merged [start, end) ranges. */
  ranges(text: string): Array<[number, number]>;
}

export const redactedMark = '[REDACTED]';

/** The shortest secret that can be redacted meaningfully; the API refuses shorter non-empty ones. */
const minSecretLength = secretLimits.minLength;

/** Texts this long or longer are remembered once redacted (see `recent`). */
const largeText = 64 * 1024;

function spellings(secret: string): string[] {
  const forms = new Set<string>([secret]);
  try {
    forms.add(encodeURIComponent(secret));
    forms.add(encodeURI(secret));
    forms.add(encodeURIComponent(secret).replace(/%20/g, '+'));
  } catch {
    // A lone surrogate cannot be percent-encoded; its own spelling is still redacted.
  }
  forms.add(btoa(String.fromCharCode(...new TextEncoder().encode(secret))).replace(/=+$/, ''));
  return [...forms].filter((form) => form.length >= minSecretLength).map(foldCase);
}

/**
 * An Aho–Corasick automaton over UTF-16 code units. The root's transitions are a dense table; every other
 * transition is in one open-addressing hash table keyed by (node, code unit), so a step is O(1) however many
 * children a node has (walking a sibling list, scanning a megabyte took twice as long). Each node also keeps its
 * children as a sibling list (the edge into node n is edge n) for the breadth-first walk that links failures.
 * Memory is a few integers per needle character. `depth[n]` is the length of the longest needle that ends at
 * node n (itself or through its failure links), 0 when none does.
 */
class Automaton {
  private readonly rootNext = new Int32Array(0x10000).fill(-1);
  /** The root's children in order of insertion (the breadth-first walk starts from them). */
  private readonly rootChildren: number[] = [];
  private code: Int32Array;
  private sibling: Int32Array;
  private firstChild: Int32Array;
  private fail: Int32Array;
  private depth: Int32Array;
  /**
   * The hash table of non-root transitions, three integers a slot side by side (one cache line per probe): the
   * source node (-1: an empty slot), the code unit, the target.
   */
  private slots: Int32Array;
  private readonly slotMask: number;
  private size = 1;

  /** Allocates for `needles`; `build` then inserts and links them. */
  constructor(private readonly needles: readonly string[]) {
    const capacity = needles.reduce((sum, needle) => sum + needle.length, 1);
    let slots = 16;
    while (slots < capacity * 2) slots *= 2;
    this.slotMask = slots - 1;
    this.slots = new Int32Array(slots * 3).fill(-1);
    this.code = new Int32Array(capacity);
    this.sibling = new Int32Array(capacity).fill(-1);
    this.firstChild = new Int32Array(capacity).fill(-1);
    this.fail = new Int32Array(capacity);
    this.depth = new Int32Array(capacity);
  }

  /** Builds the automaton, pausing (yielding) every few thousand characters so a caller can let others run. */
  *build(): Generator<void, void> {
    let since = 0;
    for (const needle of this.needles) {
      this.insert(needle);
      since += needle.length;
      if (since >= workBetweenPauses) {
        since = 0;
        yield;
      }
    }
    yield* this.link();
  }

  private step(node: number, code: number): number {
    if (node === 0) return this.rootNext[code]!;
    const slots = this.slots;
    for (let slot = this.slotOf(node, code); ; slot = (slot + 1) & this.slotMask) {
      const held = slots[slot * 3]!;
      if (held === -1) return -1;
      if (held === node && slots[slot * 3 + 1] === code) return slots[slot * 3 + 2]!;
    }
  }

  private slotOf(node: number, code: number): number {
    return (Math.imul(node, 0x9e3779b1) ^ Math.imul(code, 0x85ebca77)) & this.slotMask;
  }

  private addTransition(node: number, code: number, target: number): void {
    let slot = this.slotOf(node, code);
    while (this.slots[slot * 3] !== -1) slot = (slot + 1) & this.slotMask;
    this.slots[slot * 3] = node;
    this.slots[slot * 3 + 1] = code;
    this.slots[slot * 3 + 2] = target;
  }

  private insert(needle: string): void {
    let node = 0;
    for (let index = 0; index < needle.length; index++) {
      const code = needle.charCodeAt(index);
      let next = this.step(node, code);
      if (next === -1) {
        next = this.size++;
        // Each node has exactly one incoming trie edge, so edge n is the edge into node n.
        this.code[next] = code;
        if (node === 0) {
          this.rootNext[code] = next;
          this.rootChildren.push(next);
        } else {
          this.sibling[next] = this.firstChild[node]!;
          this.firstChild[node] = next;
          this.addTransition(node, code, next);
        }
      }
      node = next;
    }
    this.depth[node] = Math.max(this.depth[node]!, needle.length);
  }

  /** Failure links, breadth first: a node's link is the longest proper suffix of its path that is in the trie. */
  private *link(): Generator<void, void> {
    const queue = new Int32Array(this.size);
    let head = 0;
    let tail = 0;
    for (const node of this.rootChildren) queue[tail++] = node;
    while (head < tail) {
      if (head % workBetweenPauses === 0) yield;
      const node = queue[head++]!;
      for (let edge = this.firstChild[node]!; edge !== -1; edge = this.sibling[edge]!) {
        const target = edge;
        let fallback = this.fail[node]!;
        let next = this.step(fallback, this.code[edge]!);
        while (next === -1 && fallback !== 0) {
          fallback = this.fail[fallback]!;
          next = this.step(fallback, this.code[edge]!);
        }
        this.fail[target] = next === -1 ? 0 : next;
        this.depth[target] = Math.max(this.depth[target]!, this.depth[this.fail[target]!]!);
        queue[tail++] = target;
      }
    }
  }

  /** Every match as [start, end), overlapping ones merged, in order. Letter case is folded as the text is read. */
  ranges(haystack: string): Array<[number, number]> {
    const merged: Array<[number, number]> = [];
    let node = 0;
    for (let index = 0; index < haystack.length; index++) {
      let code = haystack.charCodeAt(index);
      if (code >= 65 && code <= 90) code += 32;
      else if (code >= 128) code = foldUnit(code);
      let next = node === 0 ? this.rootNext[code]! : this.step(node, code);
      while (next === -1 && node !== 0) {
        node = this.fail[node]!;
        next = this.step(node, code);
      }
      node = next === -1 ? 0 : next;
      const length = this.depth[node]!;
      if (length === 0) continue;
      let start = index + 1 - length;
      const end = index + 1;
      // Matches arrive in order of their end; a new one may reach back over several earlier ones.
      while (merged.length > 0 && start <= merged.at(-1)![1]) start = Math.min(start, merged.pop()![0]);
      merged.push([start, end]);
    }
    return merged;
  }
}

/** The lower case of each non-ASCII code unit asked about so far (0: not yet asked). */
const foldedUnits = new Uint16Array(0x10000);

/** A code unit's lower case where that is one code unit, else the unit itself (surrogates stay as they are). */
function foldUnit(code: number): number {
  const known = foldedUnits[code]!;
  if (known !== 0) return known;
  const lower = code >= 0xd800 && code <= 0xdfff ? '' : String.fromCharCode(code).toLowerCase();
  return (foldedUnits[code] = lower.length === 1 ? lower.charCodeAt(0) : code);
}

/** `text` with each code unit folded as the automaton folds what it reads (letter case, one unit at a time). */
function foldCase(text: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[^\u0000-\u007f]/.test(text)) return text.toLowerCase();
  let folded = '';
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    folded += String.fromCharCode(code >= 65 && code <= 90 ? code + 32 : code >= 128 ? foldUnit(code) : code);
  }
  return folded;
}

/** How many characters of needles (or nodes linked) are built between two pauses of a build. */
const workBetweenPauses = 4096;

/** A redactor for `secrets`, built at once (a few milliseconds for a typical set; up to ~60 for the largest allowed). */
export function createSecretRedactor(secrets: readonly unknown[]): SecretRedactor {
  const building = prepare(secrets);
  for (let step = building.next(); ; step = building.next()) if (step.done) return assemble(step.value);
}

/**
 * A redactor for `secrets`, built in slices of at most `sliceMs` of the event loop: what a request or a run
 * uses, so the largest set allowed does not hold the loop while its automaton is built.
 */
export async function buildSecretRedactor(secrets: readonly unknown[], sliceMs = 10): Promise<SecretRedactor> {
  const building = prepare(secrets);
  let sliceStart = performance.now();
  for (let step = building.next(); ; step = building.next()) {
    if (step.done) return assemble(step.value);
    if (performance.now() - sliceStart >= sliceMs) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
}

interface Prepared {
  needles: string[];
  automaton: Automaton | undefined;
}

function* prepare(secrets: readonly unknown[]): Generator<void, Prepared> {
  const needles = new Set<string>();
  let since = 0;
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < minSecretLength) continue;
    for (const needle of spellings(secret)) needles.add(needle);
    since += secret.length;
    if (since >= workBetweenPauses / 4) {
      since = 0;
      yield;
    }
  }
  const list = [...needles];
  if (list.length === 0) return { needles: list, automaton: undefined };
  const automaton = new Automaton(list);
  yield* automaton.build();
  return { needles: list, automaton };
}

function assemble({ needles, automaton }: Prepared): SecretRedactor {
  const longest = needles.reduce((max, needle) => Math.max(max, needle.length), 0);

  const ranges = (text: string): Array<[number, number]> => (!automaton || text.length < minSecretLength ? [] : automaton.ranges(text));

  // A run hands the same large text to redaction several times (the step's event, its checkpoint, the run's
  // output, the answer): the last few large ones are remembered.
  const recent = new Map<string, string>();
  const redactText = (text: string): string => {
    const large = text.length >= largeText;
    const known = large ? recent.get(text) : undefined;
    if (known !== undefined) return known;
    const found = ranges(text);
    let result = found.length === 0 ? text : '';
    let position = 0;
    for (const [start, end] of found) {
      result += text.slice(position, start) + redactedMark;
      position = end;
    }
    if (found.length > 0) result += text.slice(position);
    if (large) {
      if (recent.size >= 4) recent.delete(recent.keys().next().value!);
      recent.set(text, result);
    }
    return result;
  };

  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return redactText(value);
    if (Array.isArray(value)) return value.map(walk);
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) out[redactText(key)] = walk(item);
      return out;
    }
    return value;
  };

  return {
    active: needles.length > 0,
    longest,
    ranges,
    redactText,
    redact: <T>(value: T): T => (needles.length === 0 ? value : (walk(value) as T)),
  };
}
