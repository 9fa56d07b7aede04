import { useEffect, useRef, useState, type ReactNode } from 'react';
import { describeError } from './session';

/** Times in the browser's own zone and language. */
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
export const formatTime = (iso: string | null | undefined): string => (iso ? dateTime.format(new Date(iso)) : '—');

const shortThisYear = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
const shortOtherYear = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
/** A time in a table cell: “Dec 8, 12:57 AM” this year, “Dec 8, 2025” before; the full time on hover (`formatTime`). */
export function formatWhen(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return (date.getFullYear() === new Date().getFullYear() ? shortThisYear : shortOtherYear).format(date);
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms == null) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function formatUsd(usd: number | null | undefined): string {
  if (usd == null) return '—';
  if (usd === 0) return '$0';
  return usd < 0.01 ? `$${usd.toPrecision(2)}` : `$${usd.toFixed(usd < 1 ? 4 : 2)}`;
}

export const formatNumber = (value: number | null | undefined): string => (value == null ? '—' : value.toLocaleString());

export function Loading({ what }: { what: string }) {
  return (
    <div className="state" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="state empty">{children}</div>;
}

export function ErrorBox({ error, retry }: { error: unknown; retry?: () => void }) {
  return (
    <div className="state error" role="alert">
      <span>{describeError(error)}</span>
      {retry && (
        <button type="button" className="secondary" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** Loading, error or the content: the three states every screen has. */
export function Async<T>({
  state,
  what,
  children,
}: {
  state: { data: T | undefined; error: unknown; loading: boolean; reload: () => void };
  what: string;
  children: (data: T) => ReactNode;
}) {
  if (state.error) return <ErrorBox error={state.error} retry={state.reload} />;
  if (state.data === undefined) return <Loading what={what} />;
  return <>{children(state.data)}</>;
}

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="page-header">
      <h1>{title}</h1>
      <div className="actions">{children}</div>
    </div>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge status-${status}`}>{status}</span>;
}

/** A button that runs an async action, shows it is busy and reports its error beside it. */
export function ActionButton({
  onAction,
  children,
  className,
  disabled,
  label,
}: {
  onAction: () => Promise<unknown>;
  children: ReactNode;
  className?: string;
  disabled?: boolean;
  label?: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );
  const run = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await onAction();
    } catch (caught) {
      if (mounted.current) setError(caught);
    } finally {
      if (mounted.current) setBusy(false);
    }
  };
  return (
    <span className="action">
      <button
        type="button"
        className={className}
        disabled={disabled || busy}
        aria-busy={busy}
        aria-label={label}
        onClick={() => void run()}
      >
        {children}
      </button>
      {error !== undefined && (
        <span className="inline-error" role="alert">
          {describeError(error)}
        </span>
      )}
    </span>
  );
}

/** A destructive action (delete, revoke): asks first, then runs, then tells the list to reload. */
export function ConfirmAction({
  question,
  label,
  children,
  onConfirmed,
}: {
  question: string;
  label: string;
  children: ReactNode;
  onConfirmed: () => Promise<unknown>;
}) {
  return (
    <ActionButton className="danger" label={label} onAction={async () => window.confirm(question) && (await onConfirmed())}>
      {children}
    </ActionButton>
  );
}

/** A dialog over the page: Escape or the close button closes it, focus starts inside it. */
export function Modal({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    ref.current?.querySelector<HTMLElement>('input, textarea, select, button')?.focus();
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      previous?.focus();
    };
  }, [onClose]);
  return (
    <div className="modal-backdrop" onMouseDown={(event) => event.target === event.currentTarget && onClose()}>
      <div className="modal" role="dialog" aria-modal="true" aria-label={title} ref={ref}>
        <div className="modal-title">
          <h2>{title}</h2>
          <button type="button" className="ghost" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </div>
        {children}
      </div>
    </div>
  );
}

/** Pretty JSON in a scrolling block. */
export function Json({ value }: { value: unknown }) {
  return <pre className="json">{typeof value === 'string' ? value : JSON.stringify(value, null, 2)}</pre>;
}

/** Previous / next over a server-paged list. */
export function Pager({
  offset,
  limit,
  total,
  onChange,
}: {
  offset: number;
  limit: number;
  total: number;
  onChange: (offset: number) => void;
}) {
  const last = Math.max(0, Math.ceil(total / limit) - 1);
  const page = Math.floor(offset / limit);
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" className="secondary" disabled={page === 0} onClick={() => onChange(Math.max(0, offset - limit))}>
        ← Newer
      </button>
      <span>
        {total === 0 ? 0 : offset + 1}–{Math.min(total, offset + limit)} of {formatNumber(total)}
      </span>
      <button type="button" className="secondary" disabled={page >= last} onClick={() => onChange(offset + limit)}>
        Older →
      </button>
    </nav>
  );
}

/** Copies text, saying so for a moment. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard?.writeText(text).catch(() => undefined);
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };
  return (
    <button type="button" className="secondary" onClick={() => void copy()}>
      {copied ? 'Copied' : label}
    </button>
  );
}
