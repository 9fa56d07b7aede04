import type { RunWarning } from '@flowrun/client';

/** What a run went without or left empty (a `{{variable}}` that named nothing, an ignored config key), each once. */
export function RunWarnings({ warnings }: { warnings: RunWarning[] | undefined }) {
  if (!warnings || warnings.length === 0) return null;
  return (
    <section className="warnings" aria-label="Warnings">
      <h2>
        {warnings.length} warning{warnings.length === 1 ? '' : 's'}
      </h2>
      <ul>
        {warnings.map((warning, index) => (
          <li key={index}>
            <span aria-hidden="true">⚠</span> {warning.message} <span className="muted mono">{warning.code}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
