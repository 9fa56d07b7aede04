import { z } from 'zod';

/**
 * The languages Flowrun runs code in: JavaScript, in the QuickJS sandbox. Python (Runtype runs it in Daytona)
 * and TypeScript are refused at validation, never run as JavaScript (where they fail with a SyntaxError at call
 * time): Python waits for a sandbox as closed as QuickJS; TypeScript's type annotations are not JavaScript.
 */
export const runnableLanguages = ['javascript', 'js'] as const;

export const languageSuggestion = `Flowrun runs JavaScript only (in its QuickJS sandbox): write the code as JavaScript and set language to "javascript" or leave it out`;

export function isRunnableLanguage(language: unknown): boolean {
  return (
    language === undefined || (typeof language === 'string' && (runnableLanguages as readonly string[]).includes(language.toLowerCase()))
  );
}

/** The zod issue for a refused language: `params` carry the detail's code and suggestion (see `zodIssuesToDetails`). */
export function unsupportedLanguageIssue(language: unknown, path: PropertyKey[]): z.core.$ZodRawIssue {
  return {
    code: 'custom',
    path,
    input: language,
    message: `language ${JSON.stringify(language)} is not supported: Flowrun runs JavaScript only`,
    params: { code: 'UNSUPPORTED_LANGUAGE', suggestion: languageSuggestion },
  };
}

/** A code-running config's `language`: JavaScript, any case; anything else is `UNSUPPORTED_LANGUAGE`. */
export const ScriptLanguage = z
  .string()
  .superRefine((language, context) => {
    if (!isRunnableLanguage(language)) context.addIssue(unsupportedLanguageIssue(language, []));
  })
  .describe('The script’s language: JavaScript ("javascript" or "js"); Python and TypeScript are refused');

/** Checks a tool's `config.language` when the tool runs code (a custom tool); `path` is where the tool sits. */
export function checkToolLanguage(
  tool: { toolType?: unknown; config?: unknown },
  context: z.RefinementCtx,
  path: PropertyKey[] = [],
): void {
  const language = (tool.config as Record<string, unknown> | undefined)?.language;
  if ((tool.toolType ?? 'custom') === 'custom' && !isRunnableLanguage(language))
    context.addIssue(unsupportedLanguageIssue(language, [...path, 'config', 'language']));
}

/** An agent's `tools` (not parsed further by the agent's schema): each of its `runtimeTools` checked. */
export function checkRuntimeToolLanguages(tools: Record<string, unknown>, context: z.RefinementCtx): void {
  if (!Array.isArray(tools.runtimeTools)) return;
  tools.runtimeTools.forEach((tool: unknown, index) => {
    if (tool !== null && typeof tool === 'object') checkToolLanguage(tool, context, ['runtimeTools', index]);
  });
}
