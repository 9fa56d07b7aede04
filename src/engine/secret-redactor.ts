/**
 * Removes secret values from anything that is stored or streamed. A secret (4+ characters) is found in its
 * own spelling and in the spellings a run commonly turns it into: any letter case (a URL's host is
 * lower-cased, Liquid has `upcase`), percent-encoding (URLs, form bodies) and base64 (Basic auth). Values are
 * redacted by walking them (strings and object keys), never by editing their JSON text.
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
  return [...forms].filter((form) => form.length >= 4).map((form) => form.toLowerCase());
}

export function createSecretRedactor(secrets: readonly unknown[]): SecretRedactor {
  const needles = [
    ...new Set(secrets.filter((secret): secret is string => typeof secret === 'string' && secret.length >= 4).flatMap(spellings)),
  ];
  const longest = needles.reduce((max, needle) => Math.max(max, needle.length), 0);

  const ranges = (text: string): Array<[number, number]> => {
    if (needles.length === 0 || text.length < 4) return [];
    const lower = text.toLowerCase();
    // Lower-casing can change the length of some scripts; then only exact-case spellings are matched.
    const haystack = lower.length === text.length ? lower : text;
    const found: Array<[number, number]> = [];
    for (const needle of needles) {
      for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) found.push([at, at + needle.length]);
    }
    if (found.length === 0) return found;
    found.sort((left, right) => left[0] - right[0]);
    const merged: Array<[number, number]> = [found[0]!];
    for (const [start, end] of found.slice(1)) {
      const last = merged.at(-1)!;
      if (start <= last[1]) last[1] = Math.max(last[1], end);
      else merged.push([start, end]);
    }
    return merged;
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
