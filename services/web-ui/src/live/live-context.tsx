import { createContext, useContext, useEffect, useReducer, useRef, useState, type ReactNode } from 'react';
import { useSession } from '../session/session-context';
import { LiveConnection } from './live-connection';
import { initialLiveState, liveReducer, type LiveState } from './live-state';

export interface LiveValue {
  readonly state: LiveState;
  /** What went wrong feeding the live view (shown on the dashboard); null when all is well. */
  readonly problem: Error | null;
  readonly reloadSnapshot: () => void;
}

const LiveContext = createContext<LiveValue | null>(null);

/** One event stream for the signed-in tab, feeding every screen. */
export function LiveProvider(props: { readonly children: ReactNode }): ReactNode {
  const { client, signOut } = useSession();
  const [state, dispatch] = useReducer(liveReducer, initialLiveState);
  const [problem, setProblem] = useState<Error | null>(null);
  const connection = useRef<LiveConnection | null>(null);
  useEffect(() => {
    const live = new LiveConnection({
      client,
      dispatch,
      onAuthLost: (message) => signOut(`core-sync no longer accepts this token: ${message}`),
      onProblem: setProblem,
    });
    connection.current = live;
    live.start();
    return () => {
      live.close();
      connection.current = null;
    };
  }, [client, signOut]);
  const value: LiveValue = {
    state,
    problem,
    reloadSnapshot: () => connection.current?.reloadSnapshot(),
  };
  return <LiveContext.Provider value={value}>{props.children}</LiveContext.Provider>;
}

export function useLive(): LiveValue {
  const value = useContext(LiveContext);
  if (value === null) throw new Error('useLive is used outside LiveProvider');
  return value;
}

/** The current time, ticking every `intervalMs` (for durations and "x s ago"). */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
