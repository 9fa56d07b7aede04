import { createContext, lazy, Suspense, useContext, useEffect, useState, type FormEvent, type ReactElement } from 'react';
import { Link, match, navigate, useLocation } from './router';
import { describeError, restoreSession, signIn, signOut, type Session } from './session';
import { Loading } from './ui';

// Each screen loads when first shown: signing in needs none of the editor, the charts or the graph.
const FlowsScreen = lazy(() => import('./screens/flows').then((module) => ({ default: module.FlowsScreen })));
const FlowEditorScreen = lazy(() => import('./screens/flow-editor').then((module) => ({ default: module.FlowEditorScreen })));
const PlaygroundScreen = lazy(() => import('./screens/playground').then((module) => ({ default: module.PlaygroundScreen })));
const RunsScreen = lazy(() => import('./screens/runs').then((module) => ({ default: module.RunsScreen })));
const RunScreen = lazy(() => import('./screens/run').then((module) => ({ default: module.RunScreen })));
const ToolsScreen = lazy(() => import('./screens/tools').then((module) => ({ default: module.ToolsScreen })));
const ToolEditorScreen = lazy(() => import('./screens/tool-editor').then((module) => ({ default: module.ToolEditorScreen })));
const AgentsScreen = lazy(() => import('./screens/agents').then((module) => ({ default: module.AgentsScreen })));
const AgentEditorScreen = lazy(() => import('./screens/agent-editor').then((module) => ({ default: module.AgentEditorScreen })));
const ApprovalsScreen = lazy(() => import('./screens/approvals').then((module) => ({ default: module.ApprovalsScreen })));
const KeysScreen = lazy(() => import('./screens/keys').then((module) => ({ default: module.KeysScreen })));
const UsageScreen = lazy(() => import('./screens/usage').then((module) => ({ default: module.UsageScreen })));

const SessionContext = createContext<Session | null>(null);

/** The signed-in session: every screen talks to the API through its client. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in dashboard');
  return session;
}

const sections = [
  { path: '/flows', label: 'Flows' },
  { path: '/playground', label: 'Playground' },
  { path: '/runs', label: 'Runs' },
  { path: '/tools', label: 'Tools' },
  { path: '/agents', label: 'Agents' },
  { path: '/approvals', label: 'Approvals' },
  { path: '/keys', label: 'API keys' },
  { path: '/usage', label: 'Usage' },
];

/** Which screen a path shows. */
const routes: Array<[string, (params: Record<string, string>) => ReactElement]> = [
  ['/flows', () => <FlowsScreen />],
  ['/flows/new', () => <FlowEditorScreen flowId={null} />],
  ['/flows/:id', (params) => <FlowEditorScreen flowId={params.id!} />],
  ['/playground', () => <PlaygroundScreen />],
  ['/runs', () => <RunsScreen />],
  ['/runs/:id', (params) => <RunScreen id={params.id!} />],
  ['/tools', () => <ToolsScreen />],
  ['/tools/new', () => <ToolEditorScreen toolId={null} />],
  ['/tools/:id', (params) => <ToolEditorScreen toolId={params.id!} />],
  ['/agents', () => <AgentsScreen />],
  ['/agents/new', () => <AgentEditorScreen agentId={null} />],
  ['/agents/:id', (params) => <AgentEditorScreen agentId={params.id!} />],
  ['/approvals', () => <ApprovalsScreen />],
  ['/keys', () => <KeysScreen />],
  ['/usage', () => <UsageScreen />],
];

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
  useEffect(() => {
    if (path === '/') navigate('/flows', { replace: true });
  }, [path]);
  const mode = <span className={`mode mode-${session.mode}`}>{session.mode}</span>;
  return (
    <div className="layout">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <div className="topbar">
        <strong>Flowrun</strong>
        <span className="row">
          <span data-testid="tenant">{session.tenantId}</span> {mode}
          <button type="button" className="secondary" onClick={onSignOut}>
            Sign out
          </button>
        </span>
      </div>
      <nav className="sidebar" aria-label="Sections">
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
      <main className="content" id="main">
        <Suspense fallback={<Loading what="the screen" />}>
          <Screen path={path === '/' ? '/flows' : path.replace(/\/+$/, '') || '/flows'} />
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
