import { readFileSync } from 'node:fs';

/** A `curl` command found in a Markdown shell block, where it is, and its words as a shell would split them. */
export interface DocExample {
  file: string;
  line: number;
  source: string;
  words: ShellWord[];
}

export interface ShellWord {
  text: string;
  /** Whether any part of it was quoted: an unquoted `?` or `*` is a glob in zsh, and the command fails there. */
  quoted: boolean;
}

/** Every `curl` command of the ```sh / ```bash / ```shell blocks of `files`, in order. */
export function extractCurlExamples(files: string[], variables: Record<string, string>): DocExample[] {
  const examples: DocExample[] = [];
  for (const file of files) {
    const lines = readFileSync(file, 'utf8').split('\n');
    let inShell = false;
    for (let index = 0; index < lines.length; index++) {
      const line = lines[index]!;
      // A block may be indented (inside a numbered step): its lines are read without the indentation.
      if (/^\s*```(sh|bash|shell)\s*$/.test(line)) inShell = true;
      else if (/^\s*```/.test(line)) inShell = false;
      else if (inShell && /^\s*curl\s/.test(line)) {
        let source = line.trim();
        const start = index;
        // A line ending in \ goes on, and so does a quote left open (a JSON body over several lines).
        while (index + 1 < lines.length && (source.endsWith('\\') || quoteOpen(source)))
          source = source.endsWith('\\') ? `${source.slice(0, -1)} ${lines[++index]!.trim()}` : `${source}\n${lines[++index]!}`;
        examples.push({ file, line: start + 1, source, words: shellWords(source, variables) });
      }
    }
  }
  return examples;
}

/** Whether `source` ends inside a quoted string. */
function quoteOpen(source: string): boolean {
  let quote: string | null = null;
  for (let index = 0; index < source.length; index++) {
    const char = source[index]!;
    if (quote === null && (char === "'" || char === '"')) quote = char;
    else if (quote === '"' && char === '\\') index++;
    else if (char === quote) quote = null;
  }
  return quote !== null;
}

/**
 * Splits a command line as a POSIX shell does, for the forms the docs use: '…' literal, "…" with \ escapes and
 * $VAR, bare words with $VAR, an unquoted # starting a comment. Anything else ($( … ), globs) is refused.
 */
export function shellWords(source: string, variables: Record<string, string>): ShellWord[] {
  const words: ShellWord[] = [];
  let current: ShellWord | null = null;
  const expand = (at: number): { value: string; end: number } => {
    const name = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/.exec(source.slice(at));
    if (!name) throw new Error(`unsupported shell syntax at '${source.slice(at, at + 10)}'`);
    const value = variables[name[1]!];
    if (value === undefined) throw new Error(`the example uses $${name[1]}, which the docs never define`);
    return { value, end: at + name[0].length };
  };
  let index = 0;
  while (index < source.length) {
    const char = source[index]!;
    if (/\s/.test(char)) {
      if (current) words.push(current);
      current = null;
      index++;
      continue;
    }
    if (char === '#' && !current) break;
    current ??= { text: '', quoted: false };
    if (char === "'") {
      const end = source.indexOf("'", index + 1);
      if (end < 0) throw new Error('unterminated single quote');
      current.text += source.slice(index + 1, end);
      current.quoted = true;
      index = end + 1;
    } else if (char === '"') {
      current.quoted = true;
      index++;
      while (source[index] !== '"') {
        if (index >= source.length) throw new Error('unterminated double quote');
        if (source[index] === '\\' && '"\\$`'.includes(source[index + 1] ?? '')) {
          current.text += source[index + 1];
          index += 2;
        } else if (source[index] === '$') {
          const { value, end } = expand(index);
          current.text += value;
          index = end;
        } else current.text += source[index++];
      }
      index++;
    } else if (char === '$') {
      const { value, end } = expand(index);
      current.text += value;
      index = end;
    } else if (char === '\\') {
      current.text += source[index + 1] ?? '';
      index += 2;
    } else {
      current.text += char;
      index++;
    }
  }
  if (current) words.push(current);
  return words;
}

export interface CurlRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

/** The request a `curl` command sends (the flags the docs use: -N, -s, -X, -H, -d). */
export function curlRequest(words: ShellWord[]): CurlRequest {
  const request: CurlRequest = { url: '', method: '', headers: {} };
  for (let index = 1; index < words.length; index++) {
    const word = words[index]!.text;
    if (word === '-N' || word === '-s' || word === '-sS') continue;
    if (word === '-X') request.method = words[++index]!.text;
    else if (word === '-H') {
      const header = words[++index]!.text;
      const colon = header.indexOf(':');
      request.headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
    } else if (word === '-d' || word === '--data') request.body = words[++index]!.text;
    else if (word.startsWith('-')) throw new Error(`curl flag ${word} is not understood by the doc test`);
    else request.url = word;
  }
  request.method ||= request.body === undefined ? 'GET' : 'POST';
  return request;
}

/** A `flowrun` command of a Markdown shell block: where it is, the arguments it gives the CLI, and its variables. */
export interface CliExample {
  file: string;
  line: number;
  source: string;
  args: string[];
  /** `NAME=value` assignments written before the command. */
  env: Record<string, string>;
}

/** The ways the docs may invoke the CLI: each is the repository's own binary. */
const cliPrefixes = [['npx', 'flowrun'], ['flowrun'], ['npm', 'exec', 'flowrun', '--'], ['node', 'dist/cli/index.js']];
const cliLine = new RegExp(`^(?:[A-Z_][A-Z0-9_]*=\\S*\\s+)*(?:${cliPrefixes.map((prefix) => prefix.join(' ')).join('|')})(?:\\s|$)`);

/** Every command of the ```sh / ```bash / ```shell blocks of `files` that runs the Flowrun CLI, in order. */
export function extractCliExamples(files: string[], variables: Record<string, string>): CliExample[] {
  const examples: CliExample[] = [];
  for (const file of files) {
    let inShell = false;
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        if (/^\s*```(sh|bash|shell)\s*$/.test(line)) inShell = true;
        else if (/^\s*```/.test(line)) inShell = false;
        else if (inShell && cliLine.test(line.trim())) {
          const command = cliCommand(shellWords(line.trim(), variables).map((word) => word.text));
          if (command) examples.push({ file, line: index + 1, source: line.trim(), ...command });
        }
      });
  }
  return examples;
}

function cliCommand(words: string[]): { args: string[]; env: Record<string, string> } | null {
  const env: Record<string, string> = {};
  while (words.length > 0 && /^[A-Z_][A-Z0-9_]*=/.test(words[0]!)) {
    const [name, ...value] = words.shift()!.split('=');
    env[name!] = value.join('=');
  }
  const prefix = cliPrefixes.find((candidate) => candidate.every((word, index) => words[index] === word));
  return prefix ? { args: words.slice(prefix.length), env } : null;
}
