import { useCallback, useState, type ReactNode } from 'react';
import { Badge, type BadgeTone } from './components/notices';
import { LiveProvider, useLive } from './live/live-context';
import { overview, type OverallState } from './live/live-state';
import { routeHref, useRoute, type Route } from './router';
import { apiBaseUrl } from './runtime-config';
import { ConfigScreen } from './screens/config-screen';
import { ConflictDetailScreen } from './screens/conflict-detail-screen';
import { ConflictsScreen } from './screens/conflicts-screen';
import { DashboardScreen } from './screens/dashboard-screen';
import { HistoryScreen } from './screens/history-screen';
import { RunDetailScreen } from './screens/run-detail-screen';
import { SignInScreen } from './screens/sign-in-screen';
import { clearSession, loadSession, saveSession, type Session } from './session/session';
import { SessionProvider, useSession } from './session/session-context';

export function App(): ReactNode {
  const apiUrl = apiBaseUrl();
  const [session, setSession] = useState<Session | null>(() => loadSession());
  const [message, setMessage] = useState<string | null>(null);
  const onSignOut = useCallback((reason: string | null) => {
    clearSession();
    setMessage(reason);
    setSession(null);
  }, []);
  if (session === null) {
    return (
      <SignInScreen
        apiUrl={apiUrl}
        message={message}
        onSignedIn={(signedIn) => {
          saveSession(signedIn);
          setMessage(null);
          setSession(signedIn);
        }}
      />
    );
  }
  return (
    <SessionProvider apiUrl={apiUrl} session={session} onSignOut={onSignOut}>
      <LiveProvider>
        <Shell />
      </LiveProvider>
    </SessionProvider>
  );
}

const overallTone: Record<OverallState, BadgeTone> = { error: 'bad', syncing: 'busy', idle: 'good' };

const navigation: readonly { route: Route; label: string; screens: readonly Route['screen'][] }[] = [
  { route: { screen: 'dashboard' }, label: 'Dashboard', screens: ['dashboard'] },
  { route: { screen: 'conflicts' }, label: 'Conflicts', screens: ['conflicts', 'conflict'] },
  { route: { screen: 'history' }, label: 'History', screens: ['history', 'run'] },
  { route: { screen: 'config' }, label: 'Configuration', screens: ['config'] },
];

function Shell(): ReactNode {
  const route = useRoute();
  const { access, signOut } = useSession();
  const { state } = useLive();
  const summary = overview(state);
  return (
    <>
      <a
        className="skip-link"
        href="#main"
        onClick={(event) => {
          // The hash is the route here: move the focus without navigating.
          event.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <header className="top-bar">
        <div className="brand">
          <span className="brand-name">mysql-sync</span>
          {state.snapshotLoaded && (
            <span title={summary.explanation}>
              <Badge tone={overallTone[summary.state]}>{summary.state}</Badge>
            </span>
          )}
        </div>
        <nav className="main-nav" aria-label="Main">
          {navigation.map((item) => (
            <a
              key={item.label}
              href={routeHref(item.route)}
              aria-current={item.screens.includes(route.screen) ? 'page' : undefined}
            >
              {item.label}
              {item.label === 'Conflicts' && state.conflictsAwaiting > 0 && (
                <span className="count" aria-label={`${state.conflictsAwaiting} new`}>
                  {state.conflictsAwaiting}
                </span>
              )}
            </a>
          ))}
        </nav>
        <div className="session">
          <span className="muted small" data-testid="access">
            {access === 'read-only' ? 'read-only token' : access === 'admin' ? 'admin token' : 'signed in'}
          </span>
          <button type="button" className="button-quiet" onClick={() => signOut('Signed out.')}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Screen route={route} />
      </main>
    </>
  );
}

function Screen(props: { readonly route: Route }): ReactNode {
  const { route } = props;
  switch (route.screen) {
    case 'dashboard':
      return <DashboardScreen />;
    case 'conflicts':
      return <ConflictsScreen />;
    case 'conflict':
      return <ConflictDetailScreen id={route.id} />;
    case 'history':
      return <HistoryScreen />;
    case 'run':
      return <RunDetailScreen id={route.id} />;
    case 'config':
      return <ConfigScreen />;
  }
}
