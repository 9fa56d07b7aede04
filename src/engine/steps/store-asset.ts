import { FlowrunError } from '../../protocol/errors.js';
import { assetContentType, assetFileName, type StepOf } from '../../protocol/flow.js';
import type { StepContext, StepRunner } from '../run-context.js';
import { lookupPath, renderTemplate } from '../template.js';
import { assetResult, assetsOf, withoutSecrets } from './asset-output.js';
import { contentTypeOf, fileNameOfUrl } from './asset-content-type.js';

type Config = StepOf<'store-asset'>['config'];

interface Content {
  bytes: Uint8Array;
  contentType: string | null;
  fileName: string;
}

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

function invalid(context: StepContext, field: string, message: string): FlowrunError {
  return new FlowrunError('ASSET_INVALID', `store-asset '${context.ref.stepName}': ${message}`, [
    { code: 'ASSET_INVALID', message, path: `config.${field}` },
  ]);
}

/** `content` as base64 or a data: URL (`data:image/png;base64,…`). */
function decodeContent(content: string, context: StepContext): Content {
  const dataUrl = /^data:([^;,]*)((?:;[^;,]*)*),/.exec(content);
  const payload = (dataUrl ? content.slice(dataUrl[0].length) : content).replace(/\s+/g, '');
  const isBase64 = !dataUrl || /;base64/i.test(dataUrl[2] ?? '');
  if (!isBase64) {
    let text: string;
    try {
      text = decodeURIComponent(payload);
    } catch {
      throw invalid(context, 'content', 'content is a data: URL whose text is not percent-encoded');
    }
    return { bytes: new TextEncoder().encode(text), contentType: dataUrl![1] || null, fileName: 'asset' };
  }
  if (!base64Pattern.test(payload) || payload.length % 4 === 1)
    throw invalid(context, 'content', 'content is not base64 (nor a data: URL)');
  const bytes = Buffer.from(payload, 'base64');
  if (bytes.length === 0) throw invalid(context, 'content', 'content is empty');
  return { bytes, contentType: dataUrl?.[1] || null, fileName: 'asset' };
}

/** A variable's value: text as UTF-8, anything else as JSON. */
async function variableContent(path: string, context: StepContext): Promise<Content> {
  const value = lookupPath(context.scope(), path);
  if (value === undefined || value === null) throw invalid(context, 'sourceVariable', `the variable '${path}' is not set`);
  const text = await withoutSecrets(typeof value === 'string' ? value : JSON.stringify(value, null, 2), context);
  const json = typeof value !== 'string';
  const name = path.replace(/[^\w.-]+/g, '_');
  return {
    bytes: new TextEncoder().encode(text),
    contentType: json ? 'application/json' : 'text/plain; charset=utf-8',
    fileName: `${name}.${json ? 'json' : 'txt'}`,
  };
}

async function contentOf(config: Config, context: StepContext): Promise<Content> {
  const assets = assetsOf(context);
  if (config.sourceVariable !== undefined) return variableContent(config.sourceVariable, context);
  if (config.content !== undefined) return decodeContent(config.content, context);
  const url = config.url!;
  if (!/^https?:\/\//i.test(url)) throw invalid(context, 'url', 'url is an http or https address');
  const downloaded = await assets.download(url, { maxBytes: assets.maxBytes, signal: context.signal });
  return { ...downloaded, fileName: fileNameOfUrl(url) ?? 'asset' };
}

const rendered = ['url', 'content', 'filename', 'fileName', 'contentType'] as const;

/**
 * The config with {{variables}} filled in as text; a file name or content type that is no longer one once rendered
 * (a slash, a line break: it becomes a header) is ASSET_INVALID naming the field.
 */
function renderConfig(raw: Config, context: StepContext): { config: Config; unresolved: string[] } {
  const scope = context.scope();
  const unresolved: string[] = [];
  const config: Config = { ...raw };
  for (const field of rendered) {
    const value = raw[field];
    if (value === undefined) continue;
    const result = renderTemplate(value, scope);
    for (const name of result.unresolved) if (!unresolved.includes(name)) unresolved.push(name);
    config[field] = result.text;
  }
  for (const [field, schema] of [
    ['filename', assetFileName],
    ['fileName', assetFileName],
    ['contentType', assetContentType],
  ] as const) {
    const value = config[field];
    if (value !== undefined && !schema.safeParse(value).success) throw invalid(context, field, `${field} is not usable once rendered`);
  }
  return { config, unresolved };
}

/** `store-asset`: a file from `url` (downloaded under the SSRF guard), base64 `content`, or a variable, stored as an asset. */
export const runStoreAsset: StepRunner<StepOf<'store-asset'>> = async (step, context) => {
  const assets = assetsOf(context);
  const { config, unresolved } = renderConfig(step.config, context);
  context.checkVariables(unresolved);
  const content = await contentOf(config, context);
  if (content.bytes.length > assets.maxBytes)
    throw new FlowrunError(
      'ASSET_TOO_LARGE',
      `store-asset '${step.name}': the file is ${content.bytes.length} bytes; an asset may have at most ${assets.maxBytes} (FLOWRUN_ASSET_MAX_BYTES)`,
    );
  const fileName = config.filename ?? config.fileName ?? content.fileName;
  const stored = await assets.save(context.request.scope, {
    fileName,
    contentType: config.contentType ?? contentTypeOf(content.bytes, fileName, content.contentType),
    visibility: config.visibility ?? 'private',
    bytes: content.bytes,
    executionId: context.request.executionId,
  });
  return { result: assetResult(stored), unresolved };
};
