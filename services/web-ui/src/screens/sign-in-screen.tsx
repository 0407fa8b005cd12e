import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { signIn, signInFailure, type Session } from '../session/session';

/** The token form. The token is sent in a header only, and kept in this tab's session storage. */
export function SignInScreen(props: {
  readonly apiUrl: string;
  readonly message: string | null;
  readonly onSignedIn: (session: Session) => void;
}): ReactNode {
  const [token, setToken] = useState('');
  const [pending, setPending] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const tokenId = useId();
  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const trimmed = token.trim();
    if (trimmed === '') {
      setFailure('Enter the token.');
      return;
    }
    setPending(true);
    setFailure(null);
    signIn(props.apiUrl, trimmed)
      .then((session) => props.onSignedIn(session))
      .catch((error: unknown) => {
        setFailure(signInFailure(error));
        setPending(false);
      });
  };
  return (
    <main className="sign-in" id="main">
      <form className="card sign-in-card" onSubmit={submit} aria-labelledby={`${tokenId}-title`}>
        <h1 id={`${tokenId}-title`}>mysql-sync</h1>
        <p className="muted">
          Sign in to core-sync at <code>{props.apiUrl}</code> with its admin token or a read-only token.
        </p>
        {props.message !== null && (
          <p className="notice notice-info" role="status">
            {props.message}
          </p>
        )}
        <label htmlFor={tokenId}>Bearer token</label>
        <input
          id={tokenId}
          name="token"
          type="password"
          autoComplete="current-password"
          spellCheck={false}
          value={token}
          onChange={(event) => setToken(event.target.value)}
          aria-invalid={failure !== null}
          aria-describedby={failure === null ? undefined : `${tokenId}-error`}
          autoFocus
        />
        {failure !== null && (
          <p className="field-error" id={`${tokenId}-error`} role="alert">
            {failure}
          </p>
        )}
        <button type="submit" className="button-primary" disabled={pending}>
          {pending ? 'Checking…' : 'Sign in'}
        </button>
        <p className="muted small">
          The token stays in this browser tab only (session storage) and is sent in the Authorization header —
          never in a URL.
        </p>
      </form>
    </main>
  );
}
