/**
 * Providers accept function names of 1-64 letters, digits, `_` and `-` (OpenAI, Anthropic); Runtype's tool names
 * may also hold dots and colons and run longer. A name providers accept is sent as it is; any other gets a stable
 * alias for the call (invalid characters become `_`, cut to 64, numbered on a clash), and the model's calls are
 * mapped back, so events, journals and results always carry the name the caller wrote.
 */
export interface ToolNames {
  toProvider(name: string): string;
  fromProvider(name: string): string;
}

const safe = /^[A-Za-z0-9_-]{1,64}$/;

export function toolNamesFor(names: Iterable<string>): ToolNames {
  const unique = [...new Set(names)];
  const taken = new Set(unique.filter((name) => safe.test(name)));
  const aliases = new Map<string, string>();
  const originals = new Map<string, string>();
  for (const name of unique) {
    if (safe.test(name)) continue;
    const base = name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64) || 'tool';
    let alias = base;
    for (let counter = 2; taken.has(alias); counter++) alias = `${base.slice(0, 64 - String(counter).length - 1)}_${counter}`;
    taken.add(alias);
    aliases.set(name, alias);
    originals.set(alias, name);
  }
  return {
    toProvider: (name) => aliases.get(name) ?? name,
    fromProvider: (name) => originals.get(name) ?? name,
  };
}
