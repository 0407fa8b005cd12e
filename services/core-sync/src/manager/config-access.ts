/**
 * The configuration API's backing: shows the configuration as saved (secrets redacted) with the keys that wait
 * for a restart, and takes a whole new document, which is validated exactly as the file would be at start
 * (environment overrides included), applied while running where possible, and only then saved over the config
 * file (temporary file + rename).
 *
 * What is shown is what was last saved, not what some part of the service runs: a scheduler, logging or server
 * change shows at once (in effect, or listed as waiting for a restart), so reading, editing and saving again never
 * writes an older value back.
 *
 * Passwords sent back as `[redacted]` keep the value the file has (or stay out of the file when an environment
 * variable supplies them) as long as their account stays where it is (kept-passwords.ts), and tokens sent back as their placeholders keep the tokens they name
 * (token-placeholders.ts), so reading, editing and writing the document never writes a secret into the file.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import {
  configToDocument,
  invalidConfigError,
  orderProblems,
  readEnvironmentOverrides,
  redactDocument,
  setValueAt,
  openWhileListeningProblems,
  validateConfigDocument,
  valueAt,
  type ConfigDocument,
  type ServiceConfig,
} from '../config/index.js';
import { SyncError, describeError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import type { ConfigAccess, ConfigUpdateResult, ConfigView } from './contracts.js';
import { movedPasswordProblems, restorePasswords } from './kept-passwords.js';
import { TokenPlaceholders, restoreTokens } from './token-placeholders.js';

export interface ConfigFileAccessOptions {
  /** The config file (CONFIG_PATH, resolved). */
  readonly filePath: string;
  /** Where MYSQL_SYNC_* overrides are read (default process.env). */
  readonly environment?: NodeJS.ProcessEnv;
  /** The configuration the process started with: what runs for every key that needs a restart to change. */
  readonly started: ServiceConfig;
  /**
   * Puts `next` into effect for the key paths that can change while running (see `liveKeyPaths`); rejects when
   * it cannot (the previous configuration then still runs).
   */
  readonly applyLive: (next: ServiceConfig, changedLive: readonly string[]) => Promise<void>;
  readonly logger: Logger;
}

/** Sections whose changes take effect without restarting the process. */
const livePrefixes = [
  'databases.',
  'sync.',
  'scheduler.',
  'logging.level',
  'server.auth_token',
  'server.read_only_tokens',
];

export function isLiveKeyPath(keyPath: string): boolean {
  return livePrefixes.some((prefix) => keyPath === prefix || keyPath.startsWith(prefix));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Key paths (two levels deep, e.g. `sync.tables`, `databases.local`) whose values differ. */
export function changedKeyPaths(before: ConfigDocument, after: ConfigDocument): string[] {
  const changed: string[] = [];
  for (const section of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const left = before[section];
    const right = after[section];
    if (isRecord(left) && isRecord(right)) {
      for (const key of new Set([...Object.keys(left), ...Object.keys(right)])) {
        if (JSON.stringify(left[key]) !== JSON.stringify(right[key])) changed.push(`${section}.${key}`);
      }
    } else if (JSON.stringify(left) !== JSON.stringify(right)) {
      changed.push(section);
    }
  }
  return changed;
}

export class ConfigFileAccess implements ConfigAccess {
  readonly #options: ConfigFileAccessOptions;
  readonly #logger: Logger;
  /** The configuration as last saved (the file with the environment's overrides): in effect, or awaiting a restart. */
  #saved: ServiceConfig;
  readonly #placeholders = new TokenPlaceholders();
  #updating: Promise<unknown> = Promise.resolve();

  constructor(options: ConfigFileAccessOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'config' });
    this.#saved = options.started;
  }

  current(): ConfigView {
    return {
      config: redactDocument(configToDocument(this.#saved), this.#placeholders.placeholderOf),
      restartRequired: this.#awaitingRestart(this.#saved),
    };
  }

  /** Key paths whose value in `config` differs from what the process started with, and cannot change while running. */
  #awaitingRestart(config: ServiceConfig): string[] {
    return changedKeyPaths(configToDocument(this.#options.started), configToDocument(config)).filter(
      (keyPath) => !isLiveKeyPath(keyPath),
    );
  }

  update(document: unknown, changedBy: string): Promise<ConfigUpdateResult> {
    const run = this.#updating.then(() => this.#update(document, changedBy));
    this.#updating = run.catch(() => undefined);
    return run;
  }

  async #update(document: unknown, changedBy: string): Promise<ConfigUpdateResult> {
    if (!isRecord(document)) {
      throw new SyncError(
        'CONFIG_INVALID',
        'the configuration must be a JSON object (the document GET returns)',
        {
          details: { problems: [{ path: '', message: 'must be an object' }] },
        },
      );
    }
    const fileDocument = await this.#readFileDocument();
    const environment = this.#options.environment ?? process.env;
    const source = `the configuration sent by ${changedBy}`;
    const { overrides } = readEnvironmentOverrides(environment);
    const restored = restorePasswords(structuredClone(document), fileDocument);
    const tokenProblems = restoreTokens({
      document: restored,
      saved: this.#saved.server,
      fileDocument,
      overrides,
      placeholders: this.#placeholders,
    });
    if (tokenProblems.length > 0) throw invalidConfigError(source, orderProblems(tokenProblems));
    const toSave = keepEnvironmentValuesOut(restored, fileDocument, environment);
    const next = validateConfigDocument(toSave, source, environment);
    const movedPasswords = movedPasswordProblems({
      sent: document,
      fileDocument,
      toSave,
      saved: this.#saved,
      next,
      overrides,
    });
    if (movedPasswords.length > 0) throw invalidConfigError(source, orderProblems(movedPasswords));
    const exposed = openWhileListeningProblems(next.server, this.#options.started.server.host);
    if (exposed.length > 0) throw invalidConfigError(source, exposed);
    const changed = changedKeyPaths(configToDocument(this.#saved), configToDocument(next));
    if (changed.length === 0) return { applied: [], restartRequired: [], config: this.current().config };
    const live = changed.filter(isLiveKeyPath);
    const awaitingRestart = new Set(this.#awaitingRestart(next));
    const restartRequired = changed.filter((keyPath) => awaitingRestart.has(keyPath));
    // A key that needs a restart but is back to the value the process runs is in effect too.
    const applied = changed.filter((keyPath) => !awaitingRestart.has(keyPath));
    const temporaryPath = `${this.#options.filePath}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(temporaryPath, stringifyYaml(toSave), { mode: 0o600 });
    } catch (error) {
      throw new SyncError(
        'CONFIG_SAVE_FAILED',
        `cannot write the configuration next to ${this.#options.filePath}`,
        {
          cause: error,
        },
      );
    }
    try {
      await this.#options.applyLive(next, live);
    } catch (error) {
      await rm(temporaryPath, { force: true });
      throw error;
    }
    // In effect from here on, even if the file cannot be replaced (the error then says so).
    this.#saved = next;
    try {
      await rename(temporaryPath, this.#options.filePath);
    } catch (error) {
      await rm(temporaryPath, { force: true });
      throw new SyncError(
        'CONFIG_SAVE_FAILED',
        `the new configuration runs, but replacing ${this.#options.filePath} failed: the file still has the previous one`,
        { cause: error },
      );
    }
    this.#logger.info({ changedBy, applied, restartRequired }, 'configuration changed');
    return { applied, restartRequired, config: this.current().config };
  }

  async #readFileDocument(): Promise<Record<string, unknown>> {
    let text: string;
    try {
      text = await readFile(this.#options.filePath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new SyncError('CONFIG_SAVE_FAILED', `cannot read ${this.#options.filePath}`, { cause: error });
    }
    try {
      const parsed: unknown = parseYaml(text);
      return isRecord(parsed) ? parsed : {};
    } catch (error) {
      this.#logger.warn(
        { error: describeError(error) },
        'the config file is not valid YAML any more; its secrets are not reused',
      );
      return {};
    }
  }
}

/**
 * Values the environment supplies (MYSQL_SYNC_* overrides) come back in the document as they run; saving them
 * would write, say, a Compose file's host names into the config file. Where the document still has the
 * environment's value, the file keeps its own (or stays without the key); a value the request changed is saved
 * (the environment still wins at the next start, as it did before).
 */
function keepEnvironmentValuesOut(
  document: Record<string, unknown>,
  fileDocument: Record<string, unknown>,
  environment: NodeJS.ProcessEnv,
): Record<string, unknown> {
  for (const override of readEnvironmentOverrides(environment).overrides) {
    const keyPath = override.path.filter((segment): segment is string => typeof segment === 'string');
    // List entries (`…__0__…`) are left as sent: their place in the list may have changed.
    if (keyPath.length !== override.path.length) continue;
    if (JSON.stringify(valueAt(document, keyPath)) === JSON.stringify(override.value)) {
      setValueAt(document, keyPath, valueAt(fileDocument, keyPath));
    }
  }
  return document;
}
