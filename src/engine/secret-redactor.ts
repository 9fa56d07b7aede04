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
  return [...forms].filter((form) => form.length >= minSecretLength).map((form) => form.toLowerCase());
}

/**
 * An Aho–Corasick automaton over UTF-16 code units. The root's transitions are a dense table; every other
 * node keeps its children as a sibling list (the edge into node n is edge n: its code and its next sibling), so memory is a few integers per needle
 * character. `depth[n]` is the length of the longest needle that ends at node n (itself or through its
 * failure links), 0 when none does.
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
  private size = 1;

  constructor(needles: readonly string[]) {
    const capacity = needles.reduce((sum, needle) => sum + needle.length, 1);
    this.code = new Int32Array(capacity);
    this.sibling = new Int32Array(capacity).fill(-1);
    this.firstChild = new Int32Array(capacity).fill(-1);
    this.fail = new Int32Array(capacity);
    this.depth = new Int32Array(capacity);
    for (const needle of needles) this.insert(needle);
    this.link();
  }

  private step(node: number, code: number): number {
    if (node === 0) return this.rootNext[code]!;
    for (let edge = this.firstChild[node]!; edge !== -1; edge = this.sibling[edge]!) if (this.code[edge] === code) return edge;
    return -1;
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
        }
      }
      node = next;
    }
    this.depth[node] = Math.max(this.depth[node]!, needle.length);
  }

  /** Failure links, breadth first: a node's link is the longest proper suffix of its path that is in the trie. */
  private link(): void {
    const queue = new Int32Array(this.size);
    let head = 0;
    let tail = 0;
    for (const node of this.rootChildren) queue[tail++] = node;
    while (head < tail) {
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

  /** Every match as [start, end), overlapping ones merged, in order. */
  ranges(haystack: string): Array<[number, number]> {
    const merged: Array<[number, number]> = [];
    let node = 0;
    for (let index = 0; index < haystack.length; index++) {
      const code = haystack.charCodeAt(index);
      let next = this.step(node, code);
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

export function createSecretRedactor(secrets: readonly unknown[]): SecretRedactor {
  const needles = [
    ...new Set(
      secrets.filter((secret): secret is string => typeof secret === 'string' && secret.length >= minSecretLength).flatMap(spellings),
    ),
  ];
  const longest = needles.reduce((max, needle) => Math.max(max, needle.length), 0);
  const automaton = needles.length > 0 ? new Automaton(needles) : undefined;

  const ranges = (text: string): Array<[number, number]> => {
    if (!automaton || text.length < minSecretLength) return [];
    const lower = text.toLowerCase();
    // Lower-casing can change the length of some scripts; then only exact-case spellings are matched.
    return automaton.ranges(lower.length === text.length ? lower : text);
  };

  const redactText = (text: string): string => {
    const found = ranges(text);
    if (found.length === 0) return text;
    let result = '';
    let position = 0;
    for (const [start, end] of found) {
      result += text.slice(position, start) + redactedMark;
      position = end;
    }
    return result + text.slice(position);
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
