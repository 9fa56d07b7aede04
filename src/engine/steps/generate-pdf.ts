import type { StepOf } from '../../protocol/flow.js';
import type { StepRunner } from '../run-context.js';
import { renderTemplate } from '../template.js';
import { savePdf } from './asset-output.js';

/** `generate-pdf`: `html` or `markdown` (with {{variables}} filled in) laid out as a PDF and stored as an asset. */
export const runGeneratePdf: StepRunner<StepOf<'generate-pdf'>> = async (step, context) => {
  const kind = step.config.html !== undefined ? 'html' : 'markdown';
  const rendered = renderTemplate(step.config.html ?? step.config.markdown ?? '', context.scope());
  context.checkVariables(rendered.unresolved);
  const result = await savePdf(context, {
    source: { kind, text: rendered.text },
    pdfOptions: step.config.pdfOptions,
    fileName: step.config.filename ?? step.config.fileName ?? 'document.pdf',
    visibility: step.config.visibility,
  });
  return { result, unresolved: rendered.unresolved };
};
