/**
 * Passwords sent back as `[redacted]` keep their value, but only for the account and server they were given for.
 *
 * A password is the secret of one account on one server: `host`, `port` and the user (`user`, or
 * `replication_user` for `replication_password`, which falls back to `password`). A change that moves an account
 * elsewhere while its password stays `[redacted]` would send the old password to the new server, which may be
 * anyone's (and most MySQL logins hand the server what it needs to replay or crack the password). So such a change
 * is refused at the password's key path, asking for the new one — rather than dropping the password silently and
 * failing to log in later. A password a MYSQL_SYNC_* variable sets goes wherever the configuration points, whatever
 * the request sends, so moving its account is refused too, naming the variable.
 *
 * Both the file and the configuration in effect are compared: the file, because a kept password is the file's
 * value (an account moved there would get it at a later start, say once a variable that overrides the host is
 * unset); the configuration in effect, because that is where the password goes now.
 *
 * TLS client keys are not covered: a TLS client proves it holds its key by signing the handshake, which a server
 * cannot replay elsewhere, and the certificate sent is public; the key itself never leaves the process.
 */
import {
  configToDocument,
  passwordKeyPaths,
  redactedText,
  setValueAt,
  valueAt,
  type ConfigDocument,
  type ConfigProblem,
  type EnvironmentOverride,
  type ServiceConfig,
} from '../config/index.js';

/** Puts back, for each password sent as `[redacted]`, the file's value (removing it when the file has none). */
export function restorePasswords(
  document: Record<string, unknown>,
  fileDocument: Record<string, unknown>,
): Record<string, unknown> {
  for (const keyPath of passwordKeyPaths) {
    if (valueAt(document, keyPath) === redactedText) {
      setValueAt(document, keyPath, valueAt(fileDocument, keyPath));
    }
  }
  return document;
}

/** One account with a password: where its keys are, and what it falls back to when its own are absent. */
interface Account {
  readonly endpoint: readonly string[];
  readonly passwordKey: 'password' | 'replication_password';
  readonly userKey: 'user' | 'replication_user';
}

const accounts: readonly Account[] = [
  ...(['local', 'cloud'] as const).flatMap((side): Account[] => [
    { endpoint: ['databases', side], passwordKey: 'password', userKey: 'user' },
    { endpoint: ['databases', side], passwordKey: 'replication_password', userKey: 'replication_user' },
  ]),
  { endpoint: ['state_storage'], passwordKey: 'password', userKey: 'user' },
];

const defaultPort = 3306;

/** host, port and user of an account in a document (snake_case), with the defaults the schema applies. */
function identityOf(document: unknown, account: Account): Record<string, unknown> {
  const section = valueAt(document, account.endpoint);
  const value = (key: string): unknown => valueAt(section, [key]);
  const user =
    account.userKey === 'replication_user' ? (value('replication_user') ?? value('user')) : value('user');
  return { host: value('host'), port: value('port') ?? defaultPort, [account.userKey]: user };
}

/** The keys (host, port, user…) whose values differ between two identities. */
function changedKeys(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  return Object.keys(after).filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
}

export interface MovedPasswordInput {
  /** The document as sent (placeholders as they were). */
  readonly sent: Record<string, unknown>;
  /** The config file before the change. */
  readonly fileDocument: Record<string, unknown>;
  /** What is about to be written to the file. */
  readonly toSave: Record<string, unknown>;
  /** The configuration as saved before the change, and as it would be after (both with the overrides). */
  readonly saved: ServiceConfig;
  readonly next: ServiceConfig;
  readonly overrides: readonly EnvironmentOverride[];
}

/** Where an account's password comes from: a variable, the file (kept as `[redacted]`), or the request. */
type PasswordOrigin =
  | { readonly kind: 'environment'; readonly variable: string }
  | { readonly kind: 'kept' }
  | { readonly kind: 'sent' };

/** The variable that sets the value at `keyPath` (the last one applied), with that value. */
function variableSetting(
  keyPath: readonly string[],
  overrides: readonly EnvironmentOverride[],
): { readonly variable: string; readonly value: unknown } | undefined {
  for (const override of overrides.toReversed()) {
    const covers =
      override.path.length <= keyPath.length &&
      override.path.every((segment, index) => segment === keyPath[index]);
    const value = covers ? valueAt(override.value, keyPath.slice(override.path.length)) : undefined;
    if (value !== undefined) return { variable: override.variable, value };
  }
  return undefined;
}

/** An empty password is no secret: it may go anywhere. */
function isSecret(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

function originOf(account: Account, input: MovedPasswordInput): PasswordOrigin {
  const ownPath = [...account.endpoint, account.passwordKey];
  const fallbackPath = [...account.endpoint, 'password'];
  const ownIsSet =
    valueAt(input.toSave, ownPath) !== undefined || variableSetting(ownPath, input.overrides) !== undefined;
  // replication_password falls back to password when neither the file nor a variable sets it.
  const keyPath = ownIsSet ? ownPath : fallbackPath;
  const setting = variableSetting(keyPath, input.overrides);
  if (setting !== undefined) {
    return isSecret(setting.value) ? { kind: 'environment', variable: setting.variable } : { kind: 'sent' };
  }
  const kept =
    valueAt(input.sent, keyPath) === redactedText && isSecret(valueAt(input.fileDocument, keyPath));
  return kept ? { kind: 'kept' } : { kind: 'sent' };
}

/**
 * One problem per account whose password is not new (kept as `[redacted]`, or set by a variable) while its host,
 * port or user changed; empty when no password would go where it was not given for.
 */
export function movedPasswordProblems(input: MovedPasswordInput): ConfigProblem[] {
  const savedDocument: ConfigDocument = configToDocument(input.saved);
  const nextDocument: ConfigDocument = configToDocument(input.next);
  const problems: ConfigProblem[] = [];
  for (const account of accounts) {
    const origin = originOf(account, input);
    if (origin.kind === 'sent') continue;
    const inEffect = changedKeys(identityOf(savedDocument, account), identityOf(nextDocument, account));
    const inFile =
      origin.kind === 'kept'
        ? changedKeys(identityOf(input.fileDocument, account), identityOf(input.toSave, account))
        : [];
    const changed = [...new Set([...inEffect, ...inFile])];
    if (changed.length === 0) continue;
    const what = changed.join(' and ');
    problems.push({
      path: [...account.endpoint, account.passwordKey].join('.'),
      message:
        origin.kind === 'kept'
          ? `is kept as ${redactedText}, but ${what} changed: send the password for the new ${what} (a kept password is never sent to another server or account)`
          : `is set by ${origin.variable}, which would send it to the new ${what}: change ${what} and the password together where the password is set, or unset ${origin.variable} and send the new password here`,
    });
  }
  return problems;
}
