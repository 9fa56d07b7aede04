import { useEffect, useState } from 'react';
import type { Dialect } from '@flowrun/client';
import { useSession } from '../use-session';
import { describeError } from '../session';

/** The run's frames as a dialect sends them: the stored events replayed, then followed live. */
export function RawFrames({ executionId, generation }: { executionId: string; generation: number }) {
  const { client } = useSession();
  const [dialect, setDialect] = useState<Dialect>('unified');
  const [frames, setFrames] = useState<unknown[]>([]);
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    const controller = new AbortController();
    setFrames([]);
    setError(undefined);
    void (async () => {
      try {
        for await (const frame of client.executions.events(executionId, { dialect, signal: controller.signal }))
          setFrames((current) => [...current, frame]);
      } catch (caught) {
        if (!controller.signal.aborted) setError(caught);
      }
    })();
    return () => controller.abort();
  }, [client, executionId, dialect, generation]);
  return (
    <section className="panel" style={{ marginTop: 16 }} aria-label="Raw frames">
      <div className="row">
        <h2 style={{ margin: 0 }}>Raw frames</h2>
        <label htmlFor="pg-dialect" style={{ margin: 0 }}>
          Dialect
        </label>
        <select id="pg-dialect" value={dialect} onChange={(event) => setDialect(event.target.value as Dialect)}>
          <option value="unified">unified</option>
          <option value="runtype">runtype</option>
          <option value="travrse">travrse</option>
        </select>
        <span className="muted">{frames.length} frames</span>
      </div>
      {error !== undefined && <p className="inline-error">{describeError(error)}</p>}
      <div className="frames" data-testid="raw-frames">
        {frames.map((frame, index) => (
          <div className="frame" key={index}>
            <strong>{String((frame as { type?: unknown }).type)}</strong> {JSON.stringify(frame)}
          </div>
        ))}
      </div>
    </section>
  );
}
