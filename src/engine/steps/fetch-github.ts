import { FlowrunError } from '../../protocol/errors.js';
import type { StepOf } from '../../protocol/flow.js';
import type { StepRunner } from '../run-context.js';
import { renderTemplate } from '../template.js';
import { webOf } from './web-outbound.js';

/**
 * `fetch-github`: a repository (or a folder or file of it) packed as one text, as Runtype's example reads it
 * (`repo_content.split('\n')`): the files under `path` matching `includePatterns` and not `excludePatterns`, in
 * the `style` asked for, within the bounds. The token (`{{secret:GITHUB_TOKEN}}`) goes to GitHub's API only.
 */
export const runFetchGithub: StepRunner<StepOf<'fetch-github'>> = async (step, context) => {
  const config = step.config;
  const scope = context.scope();
  const unresolved: string[] = [];
  const render = (template: string) => {
    const rendered = renderTemplate(template, scope);
    for (const name of rendered.unresolved) if (!unresolved.includes(name)) unresolved.push(name);
    return rendered.text.trim();
  };
  const repository = render(config.repository);
  const ref = config.branch !== undefined ? render(config.branch) : undefined;
  const path = render(config.path);
  const token = config.token !== undefined ? render(config.token) : undefined;
  context.checkVariables(unresolved);
  const { owner, repo } = parseRepository(repository, `${step.path}.config.repository`);
  const pack = await webOf(context, 'fetch-github').packGithub({
    owner,
    repo,
    ...(ref ? { ref } : {}),
    path,
    includePatterns: config.includePatterns,
    excludePatterns: config.excludePatterns,
    compress: config.compress,
    style: config.style,
    ...(token ? { token } : {}),
    maxFiles: config.maxFiles,
    maxFileBytes: config.maxFileBytes,
    maxBytes: config.maxBytes,
    timeoutMs: config.timeoutMs,
    signal: context.signal,
  });
  return { result: pack.content, unresolved };
};

const namePart = /^[A-Za-z0-9_.-]{1,100}$/;

/** `owner/name`, or a github.com URL of the repository (`.git` and a `/tree/…` tail are dropped). */
export function parseRepository(repository: string, field: string): { owner: string; repo: string } {
  const bare = repository.replace(/^(?:https?:\/\/)?(?:www\.)?github\.com\//i, '').replace(/^\/+|\/+$/g, '');
  const [owner = '', name = ''] = bare.split('/');
  const repo = name.replace(/\.git$/i, '');
  if (!namePart.test(owner) || !namePart.test(repo) || owner === '..' || repo === '..' || owner === '.' || repo === '.') {
    const message = `fetch-github: repository '${repository.slice(0, 200)}' is not owner/name (or https://github.com/owner/name)`;
    throw new FlowrunError('GITHUB_INVALID_REPOSITORY', message, [{ code: 'GITHUB_INVALID_REPOSITORY', message, path: field }]);
  }
  return { owner, repo };
}
