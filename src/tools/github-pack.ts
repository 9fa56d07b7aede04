import picomatch from 'picomatch';
import type { GithubPack, GithubPackRequest, WebRequest, WebResponse } from '../engine/ports.js';
import { FlowrunError } from '../protocol/errors.js';

type Send = (request: WebRequest) => Promise<WebResponse>;

interface TreeEntry {
  path: string;
  type: string;
  sha: string;
  size?: number;
}

/**
 * A repository packed as one text through GitHub's REST API: the tree of the ref (`git/trees/{ref}?recursive=1`),
 * the files under `path` matching the globs, each blob read (`git/blobs/{sha}`) within the bounds: files past
 * `maxFiles`, larger than `maxFileBytes`, past `maxBytes` in all, binary ones, and all once the time is up are
 * skipped and listed. Every request goes through `send` (the SSRF guard).
 */
export async function packGithub(request: GithubPackRequest, apiUrl: string, send: Send, now: () => number): Promise<GithubPack> {
  const deadline = now() + request.timeoutMs;
  const api = githubApi(request, apiUrl, send, () => deadline - now());
  const ref = request.ref ?? String(((await api.get('')) as { default_branch?: string }).default_branch ?? 'main');
  const tree = (await api.get(`/git/trees/${encodeURIComponent(ref)}?recursive=1`)) as { tree?: TreeEntry[]; truncated?: boolean };
  const { chosen, skipped } = withinBounds(selectFiles(tree.tree ?? [], request), request);
  // Four blobs at a time, in the tree's order; once the time is up the rest are left out.
  const texts = await mapInOrder(chosen, 4, async (entry) => {
    if (deadline - now() <= 0) return null;
    const blob = (await api.get(`/git/blobs/${entry.sha}`).catch((error: unknown) => {
      // A read the deadline cut short is left out like the ones after it; any other failure fails the step.
      if (FlowrunError.isInstance(error) && error.code === 'HTTP_TIMEOUT' && deadline - now() <= 0) return null;
      throw error;
    })) as { content?: string; encoding?: string } | null;
    if (blob === null) return null;
    return blob.encoding === 'base64' ? Buffer.from(blob.content ?? '', 'base64').toString('utf8') : String(blob.content ?? '');
  });
  const files: Array<{ path: string; text: string }> = [];
  chosen.forEach((entry, index) => {
    const text = texts[index];
    if (text === null || text === undefined) skipped.push({ path: entry.path, reason: `past timeoutMs (${request.timeoutMs})` });
    else if (text.includes('\u0000')) skipped.push({ path: entry.path, reason: 'binary' });
    else files.push({ path: entry.path, text: request.compress ? compressText(text) : text });
  });
  const bounded = skipped.filter((entry) => entry.reason !== 'binary').length;
  const truncated = bounded > 0 || tree.truncated === true;
  const note = truncated ? ` (${bounded} left out by the bounds${tree.truncated ? '; GitHub truncated the tree' : ''})` : '';
  const header = `Repository ${request.owner}/${request.repo} at ${ref}${request.path ? `, ${request.path}` : ''}: ${files.length} file${files.length === 1 ? '' : 's'}${note}`;
  return { content: packFiles(header, files, request.style), ref, files: files.map((file) => file.path), skipped, truncated };
}

/** The files the bounds let in, by the sizes the tree gives: `maxFiles`, `maxFileBytes`, `maxBytes` in all. */
function withinBounds(wanted: TreeEntry[], request: GithubPackRequest): { chosen: TreeEntry[]; skipped: GithubPack['skipped'] } {
  const chosen: TreeEntry[] = [];
  const skipped: GithubPack['skipped'] = [];
  let bytes = 0;
  for (const entry of wanted) {
    const size = entry.size ?? 0;
    const reason =
      chosen.length >= request.maxFiles
        ? `past maxFiles (${request.maxFiles})`
        : size > request.maxFileBytes
          ? `larger than maxFileBytes (${request.maxFileBytes})`
          : bytes + size > request.maxBytes
            ? `past maxBytes (${request.maxBytes})`
            : null;
    if (reason) skipped.push({ path: entry.path, reason });
    else {
      chosen.push(entry);
      bytes += size;
    }
  }
  return { chosen, skipped };
}

/** `work` over the items, at most `concurrency` at once; the answers in the items' order. The first failure fails it. */
async function mapInOrder<T, R>(items: T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

function githubApi(request: GithubPackRequest, apiUrl: string, send: Send, remaining: () => number) {
  const base = `${apiUrl.replace(/\/$/, '')}/repos/${encodeURIComponent(request.owner)}/${encodeURIComponent(request.repo)}`;
  const headers: Record<string, string> = {
    accept: 'application/vnd.github+json',
    'x-github-api-version': '2022-11-28',
    'user-agent': 'flowrun',
    ...(request.token ? { authorization: `Bearer ${request.token}` } : {}),
  };
  return {
    async get(path: string): Promise<unknown> {
      const left = remaining();
      if (left <= 0) throw new FlowrunError('HTTP_TIMEOUT', `fetch-github took longer than timeoutMs (${request.timeoutMs} ms)`);
      const response = await send({
        url: `${base}${path}`,
        method: 'GET',
        headers,
        timeoutMs: left,
        maxBytes: Math.max(request.maxFileBytes * 2, 8 * 1024 * 1024),
        signal: request.signal,
      });
      if (response.status >= 400) throw githubError(response.status, `${request.owner}/${request.repo}`, path);
      try {
        return JSON.parse(response.body) as unknown;
      } catch {
        throw new FlowrunError('HTTP_ERROR', `GitHub's API answered ${path || 'the repository'} with something that is not JSON`);
      }
    },
  };
}

function githubError(status: number, repository: string, path: string): FlowrunError {
  const what = path.startsWith('/git/trees')
    ? `the ref of ${repository}`
    : path.startsWith('/git/blobs')
      ? `a file of ${repository}`
      : repository;
  if (status >= 500 || status === 429)
    return new FlowrunError('HTTP_SERVER_ERROR', `GitHub answered ${status} for ${what}; try again later`);
  if (status === 404) return new FlowrunError('HTTP_STATUS', `GitHub has no ${what} (404), or the token cannot see it`);
  if (status === 401) return new FlowrunError('HTTP_STATUS', `GitHub refused the token for ${repository} (401)`);
  return new FlowrunError('HTTP_STATUS', `GitHub answered ${status} for ${what} (a rate limit or a missing permission)`);
}

function selectFiles(tree: TreeEntry[], request: GithubPackRequest): TreeEntry[] {
  const base = request.path.replace(/^\/+|\/+$/g, '');
  const include = request.includePatterns.length ? picomatch(request.includePatterns, { dot: true }) : () => true;
  const exclude = request.excludePatterns.length ? picomatch(request.excludePatterns, { dot: true }) : () => false;
  return tree
    .filter((entry) => entry.type === 'blob')
    .filter((entry) => base === '' || entry.path === base || entry.path.startsWith(`${base}/`))
    .filter((entry) => include(entry.path) && !exclude(entry.path))
    .sort((a, b) => a.path.localeCompare(b.path));
}

function compressText(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '')
    .join('\n');
}

function packFiles(header: string, files: Array<{ path: string; text: string }>, style: GithubPackRequest['style']): string {
  if (style === 'markdown') {
    const fence = (text: string) => '`'.repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map((run) => run[0].length + 1)));
    return `# ${header}\n\n${files.map((file) => `## File: ${file.path}\n${fence(file.text)}\n${file.text}\n${fence(file.text)}\n`).join('\n')}`;
  }
  if (style === 'plain') {
    const rule = '='.repeat(16);
    return `${header}\n\n${files.map((file) => `${rule}\nFile: ${file.path}\n${rule}\n${file.text}\n`).join('\n')}`;
  }
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return `<repository>${escape(header)}</repository>\n<files>\n${files.map((file) => `<file path="${escape(file.path)}">\n${file.text}\n</file>\n`).join('')}</files>\n`;
}
