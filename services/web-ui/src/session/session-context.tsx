import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import { ApiClient, ApiError } from '../api/api-client';
import { saveSession, type Access, type Session } from './session';

export interface SessionValue {
  readonly client: ApiClient;
  readonly access: Access;
  /** The token may read only (a mutation answered 403): mutations are disabled from now on. */
  readonly markReadOnly: () => void;
  /** Signs out; the message (why) is shown on the sign-in screen. */
  readonly signOut: (message?: string) => void;
}

const SessionContext = createContext<SessionValue | null>(null);

export function SessionProvider(props: {
  readonly apiUrl: string;
  readonly session: Session;
  readonly onSignOut: (message: string | null) => void;
  readonly children: ReactNode;
}): ReactNode {
  const { apiUrl, session, onSignOut } = props;
  const [access, setAccess] = useState<Access>(session.access);
  const client = useMemo(
    () => new ApiClient({ baseUrl: apiUrl, token: session.token }),
    [apiUrl, session.token],
  );
  useEffect(() => saveSession({ token: session.token, access }), [session.token, access]);
  const markReadOnly = useCallback(() => setAccess('read-only'), []);
  const signOut = useCallback((message?: string) => onSignOut(message ?? null), [onSignOut]);
  const value = useMemo(
    () => ({ client, access, markReadOnly, signOut }),
    [client, access, markReadOnly, signOut],
  );
  return <SessionContext.Provider value={value}>{props.children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (value === null) throw new Error('useSession is used outside SessionProvider');
  return value;
}

/** True when the token may not change anything. */
export function useReadOnly(): boolean {
  return useSession().access === 'read-only';
}

/**
 * A mutation: runs it, keeps its error to show, and reacts to what the API says about the token (403: this
 * token reads only; 401: it is no longer accepted).
 */
export function useAction<Args extends unknown[], Result>(
  perform: (client: ApiClient, ...args: Args) => Promise<Result>,
): {
  readonly run: (...args: Args) => Promise<Result | null>;
  readonly pending: boolean;
  readonly error: Error | null;
  readonly clearError: () => void;
} {
  const { client, markReadOnly, signOut } = useSession();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const run = useCallback(
    async (...args: Args): Promise<Result | null> => {
      setPending(true);
      setError(null);
      try {
        return await perform(client, ...args);
      } catch (caught) {
        const failure = caught instanceof Error ? caught : new Error(String(caught));
        if (failure instanceof ApiError && failure.status === 403) markReadOnly();
        if (failure instanceof ApiError && failure.status === 401) {
          signOut(`core-sync no longer accepts this token: ${failure.message}`);
        }
        setError(failure);
        return null;
      } finally {
        setPending(false);
      }
    },
    [client, perform, markReadOnly, signOut],
  );
  const clearError = useCallback(() => setError(null), []);
  return { run, pending, error, clearError };
}

/**
 * A read: loads on mount and whenever `key` changes; `reload()` loads again. While a new load runs, the
 * previous answer stays shown; a failure is kept to show (next to the previous answer, when there is one).
 */
export function useQuery<Result>(
  load: (client: ApiClient) => Promise<Result>,
  key: string,
): {
  readonly data: Result | null;
  readonly error: Error | null;
  readonly loading: boolean;
  readonly reload: () => void;
} {
  const { client, signOut } = useSession();
  const [generation, setGeneration] = useState(0);
  const requestKey = `${key}#${generation}`;
  const [settled, setSettled] = useState<{ key: string | null; data: Result | null; error: Error | null }>({
    key: null,
    data: null,
    error: null,
  });
  const loadRef = useRef(load);
  useEffect(() => {
    loadRef.current = load;
  });
  useEffect(() => {
    let current = true;
    loadRef
      .current(client)
      .then((result) => {
        if (current) setSettled({ key: requestKey, data: result, error: null });
      })
      .catch((caught: unknown) => {
        if (!current) return;
        const failure = caught instanceof Error ? caught : new Error(String(caught));
        if (failure instanceof ApiError && failure.status === 401) {
          signOut(`core-sync no longer accepts this token: ${failure.message}`);
        }
        setSettled((previous) => ({ key: requestKey, data: previous.data, error: failure }));
      });
    return () => {
      current = false;
    };
  }, [client, requestKey, signOut]);
  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { data: settled.data, error: settled.error, loading: settled.key !== requestKey, reload };
}
