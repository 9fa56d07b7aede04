import { pdfLimits, type AssetView, type AssetVisibility, type PdfOptions, type PdfSource } from '../../protocol/asset.js';
import { FlowrunError } from '../../protocol/errors.js';
import type { AssetPort } from '../asset-port.js';
import type { StepContext } from '../run-context.js';
import { buildSecretRedactor } from '../secret-redactor.js';

/** What an asset step's output variable holds: the asset (never its bytes), and a PDF's page count. */
export interface AssetResult {
  id: string;
  url: string;
  fileName: string;
  contentType: string;
  size: number;
  visibility: AssetVisibility;
  expiresAt: string | null;
  pages?: number;
}

export function assetResult(asset: AssetView, pages?: number): AssetResult {
  return {
    id: asset.id,
    url: asset.url,
    fileName: asset.fileName,
    contentType: asset.contentType,
    size: asset.size,
    visibility: asset.visibility,
    expiresAt: asset.urlExpiresAt,
    ...(pages !== undefined ? { pages } : {}),
  };
}

/** The process's asset store; one without it (an embedding that gave none) fails the step, saying so. */
export function assetsOf(context: StepContext): AssetPort {
  const assets = context.deps.assets;
  if (!assets) throw new FlowrunError('ASSET_STORAGE_ERROR', `step '${context.ref.stepName}': this server has no asset storage`);
  return assets;
}

/** Text with the run's secret values replaced: a stored file is an output, and no secret is stored. */
export async function withoutSecrets(text: string, context: StepContext): Promise<string> {
  const secrets = Object.values(context.request.secrets);
  if (secrets.length === 0) return text;
  return (await buildSecretRedactor(secrets)).redactText(text);
}

/** Renders a document to PDF and stores it as an asset of the run's tenant and mode. */
export async function savePdf(
  context: StepContext,
  document: { source: PdfSource; pdfOptions: PdfOptions | undefined; fileName: string; visibility: AssetVisibility | undefined },
): Promise<AssetResult> {
  const assets = assetsOf(context);
  const field = document.source.kind;
  if (document.source.text.length > pdfLimits.maxInputChars)
    throw new FlowrunError(
      'PDF_LIMIT_EXCEEDED',
      `step '${context.ref.stepName}': the ${field} is ${document.source.text.length} characters once rendered; a PDF is made from at most ${pdfLimits.maxInputChars}`,
    );
  const text = await withoutSecrets(document.source.text, context);
  const rendered = await assets.renderPdf({ kind: document.source.kind, text }, document.pdfOptions ?? {}, {
    limits: { ...pdfLimits, maxTotalImageBytes: Math.min(pdfLimits.maxTotalImageBytes, assets.maxBytes) },
    signal: context.signal,
  });
  const fileName = /\.pdf$/i.test(document.fileName) ? document.fileName : `${document.fileName}.pdf`;
  const stored = await assets.save(context.request.scope, {
    fileName,
    contentType: 'application/pdf',
    visibility: document.visibility ?? 'private',
    bytes: rendered.bytes,
    executionId: context.request.executionId,
  });
  return assetResult(stored, rendered.pages);
}
