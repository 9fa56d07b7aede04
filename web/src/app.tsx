import { Suspense, useEffect, useState, type FormEvent, type ReactElement } from 'react';
import { lazyScreen } from './lazy-screen';
import { Link, match, navigate, useLocation } from './router';
import { describeError, restoreSession, signIn, signOut, type Session } from './session';
import { Loading } from './ui';
import { SessionContext } from './use-session';

// Each screen's code loads apart: signing in needs none of the editor, the charts or the graph. The current
// screen's loads while the session is checked; the others once the dashboard is idle (preloadScreens).
const FlowsScreen = lazyScreen(() => import('./screens/flows'), 'FlowsScreen');
const FlowEditorScreen = lazyScreen(() => import('./screens/flow-editor'), 'FlowEditorScreen');
const PlaygroundScreen = lazyScreen(() => import('./screens/playground'), 'PlaygroundScreen');
const RunsScreen = lazyScreen(() => import('./screens/runs'), 'RunsScreen');
const RunScreen = lazyScreen(() => import('./screens/run'), 'RunScreen');
const ToolsScreen = lazyScreen(() => import('./screens/tools'), 'ToolsScreen');
const ToolEditorScreen = lazyScreen(() => import('./screens/tool-editor'), 'ToolEditorScreen');
const AgentsScreen = lazyScreen(() => import('./screens/agents'), 'AgentsScreen');
const AgentEditorScreen = lazyScreen(() => import('./screens/agent-editor'), 'AgentEditorScreen');
const ApprovalsScreen = lazyScreen(() => import('./screens/approvals'), 'ApprovalsScreen');
const KeysScreen = lazyScreen(() => import('./screens/keys'), 'KeysScreen');
const SecretsScreen = lazyScreen(() => import('./screens/secrets'), 'SecretsScreen');
const UsageScreen = lazyScreen(() => import('./screens/usage'), 'UsageScreen');

const sections = [
  { path: '/flows', label: 'Flows' },
  { path: '/playground', label: 'Playground' },
  { path: '/runs', label: 'Runs' },
  { path: '/tools', label: 'Tools' },
  { path: '/agents', label: 'Agents' },
  { path: '/approvals', label: 'Approvals' },
  { path: '/keys', label: 'API keys' },
  { path: '/secrets', label: 'Secrets' },
  { path: '/usage', label: 'Usage' },
];

/** Which screen a path shows. */
const routes: Array<[string, (params: Record<string, string>) => ReactElement, { preload(): Promise<unknown> }]> = [
  ['/flows', () => <FlowsScreen />, FlowsScreen],
  ['/flows/new', () => <FlowEditorScreen flowId={null} />, FlowEditorScreen],
  ['/flows/:id', (params) => <FlowEditorScreen flowId={params.id!} />, FlowEditorScreen],
  ['/playground', () => <PlaygroundScreen />, PlaygroundScreen],
  ['/runs', () => <RunsScreen />, RunsScreen],
  ['/runs/:id', (params) => <RunScreen id={params.id!} />, RunScreen],
  ['/tools', () => <ToolsScreen />, ToolsScreen],
  ['/tools/new', () => <ToolEditorScreen toolId={null} />, ToolEditorScreen],
  ['/tools/:id', (params) => <ToolEditorScreen toolId={params.id!} />, ToolEditorScreen],
  ['/agents', () => <AgentsScreen />, AgentsScreen],
  ['/agents/new', () => <AgentEditorScreen agentId={null} />, AgentEditorScreen],
  ['/agents/:id', (params) => <AgentEditorScreen agentId={params.id!} />, AgentEditorScreen],
  ['/approvals', () => <ApprovalsScreen />, ApprovalsScreen],
  ['/keys', () => <KeysScreen />, KeysScreen],
  ['/secrets', () => <SecretsScreen />, SecretsScreen],
  ['/usage', () => <UsageScreen />, UsageScreen],
];

/** Starts loading the code of the screen `path` shows (the session check and it then run side by side). */
function preloadScreen(path: string): void {
  routes
    .find(([pattern]) => match(pattern, path))?.[2]
    .preload()
    .catch(() => undefined);
}

/** Loads every screen's code when the browser is idle, so moving between screens never waits for it. */
function preloadScreens(): void {
  const later = window.requestIdleCallback ?? ((callback: () => void) => setTimeout(callback, 1_000));
  later(() => routes.forEach(([, , screen]) => screen.preload().catch(() => undefined)));
}

function Screen({ path }: { path: string }) {
  for (const [pattern, render] of routes) {
    const params = match(pattern, path);
    if (params) return render(params);
  }
  return (
    <div className="state">
      Nothing at {path}. <Link to="/flows">Go to flows</Link>
    </div>
  );
}

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [restoring, setRestoring] = useState(true);
  const [restoreError, setRestoreError] = useState<unknown>();
  useEffect(() => {
    preloadScreen(window.location.pathname === '/' ? '/flows' : window.location.pathname);
    restoreSession()
      .then(setSession, setRestoreError)
      .finally(() => setRestoring(false));
  }, []);
  if (restoring) return <Loading what="your session" />;
  if (!session) return <SignIn onSignedIn={setSession} initialError={restoreError} />;
  return (
    <SessionContext.Provider value={session}>
      <Shell
        session={session}
        onSignOut={() => {
          signOut();
          setSession(null);
        }}
      />
    </SessionContext.Provider>
  );
}

function Shell({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const { path } = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => {
    if (path === '/') navigate('/flows', { replace: true });
    setMenuOpen(false);
  }, [path]);
  useEffect(preloadScreens, []);
  const mode = <span className={`mode mode-${session.mode}`}>{session.mode}</span>;
  const current = sections.find((section) => path.startsWith(section.path));
  return (
    <div className="layout">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button
          type="button"
          className="secondary menu-button"
          aria-expanded={menuOpen}
          aria-controls="sections"
          onClick={() => setMenuOpen((open) => !open)}
        >
          {menuOpen ? 'Close' : 'Menu'}
        </button>
        <strong className="topbar-title">Flowrun{current && <span className="muted"> · {current.label}</span>}</strong>
        <span className="row topbar-who">
          <span data-testid="tenant">{session.tenantId}</span> {mode}
        </span>
      </header>
      <nav
        id="sections"
        className={`sidebar${menuOpen ? ' open' : ''}`}
        aria-label="Sections"
        onKeyDown={(event) => event.key === 'Escape' && setMenuOpen(false)}
      >
        <div className="brand">Flowrun</div>
        {sections.map((section) => (
          <Link key={section.path} to={section.path} aria-current={path.startsWith(section.path) ? 'page' : undefined}>
            {section.label}
          </Link>
        ))}
        <div className="who" aria-label="Signed in as">
          <span>
            Tenant <strong>{session.tenantId}</strong>
          </span>
          <span>Mode {mode}</span>
          <span className="mono">{session.keyPrefix}</span>
          <button type="button" className="secondary" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </nav>
      {menuOpen && <div className="menu-backdrop" aria-hidden="true" onClick={() => setMenuOpen(false)} />}
      <main className="content" id="main">
        <Suspense fallback={<Loading what="the screen" />}>
          {/* A new path is a new screen (its state starts afresh: /flows/a to /flows/b is not an edit of a). */}
          <Screen key={path} path={path === '/' ? '/flows' : path.replace(/\/+$/, '') || '/flows'} />
        </Suspense>
      </main>
    </div>
  );
}

function SignIn({ onSignedIn, initialError }: { onSignedIn: (session: Session) => void; initialError: unknown }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(initialError);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await signIn(key));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="signin panel">
      <h1>Sign in to Flowrun</h1>
      <p className="muted">
        Use an API key of this server. Create one with <code>npx flowrun keys create</code>. It stays in this tab only (session storage).
      </p>
      <form onSubmit={(event) => void submit(event)}>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          placeholder="tv_test_…"
          value={key}
          onChange={(event) => setKey(event.target.value)}
          autoFocus
        />
        <p>
          <button type="submit" disabled={busy || key.trim() === ''}>
            {busy ? 'Checking…' : 'Sign in'}
          </button>
        </p>
        {error !== undefined && (
          <p className="inline-error" role="alert">
            {describeError(error)}
          </p>
        )}
      </form>
    </main>
  );
}
