/**
 * A config file in a temporary directory with a `ConfigFileAccess` over it, wired the way main.ts wires it: the
 * sync service (and so its configuration) changes only when `sync.*` or `databases.*` change; everything else
 * of a change waits for a restart or is applied elsewhere. For the configuration API's own tests.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { loadConfig, validateConfigDocument, type ServiceConfig } from '../../config/index.js';
import { ConfigFileAccess } from '../config-access.js';

export interface AppliedChange {
  readonly next: ServiceConfig;
  readonly changed: readonly string[];
}

export interface ConfigFileFixture extends AsyncDisposable {
  readonly filePath: string;
  readonly access: ConfigFileAccess;
  /** Every configuration `applyLive` was given, in order. */
  readonly applied: readonly AppliedChange[];
  /** A copy of the document GET /config shows (its `config`). */
  shown(): Record<string, unknown>;
  /** The key paths GET /config says wait for a restart. */
  restartRequired(): readonly string[];
  /** The config file as it is now. */
  fileDocument(): Promise<Record<string, unknown>>;
  /** The configuration the next start would load (the file and the environment). */
  nextStart(): ServiceConfig;
}

export interface ConfigFileFixtureOptions {
  /** MYSQL_SYNC_* overrides the service runs with. */
  readonly environment?: NodeJS.ProcessEnv;
  /** Makes every `applyLive` reject, as a configuration that does not start does. */
  readonly failApply?: boolean;
}

export async function createConfigFileFixture(
  fileDocument: Record<string, unknown>,
  options: ConfigFileFixtureOptions = {},
): Promise<ConfigFileFixture> {
  const environment = options.environment ?? {};
  const directory = await mkdtemp(path.join(tmpdir(), 'config-access-'));
  const filePath = path.join(directory, 'config.yaml');
  await writeFile(filePath, stringifyYaml(fileDocument));
  const started = validateConfigDocument(fileDocument, 'test', environment);
  const applied: AppliedChange[] = [];
  const access = new ConfigFileAccess({
    filePath,
    environment,
    started,
    logger: pino({ level: 'silent' }),
    applyLive: (next, changed) => {
      if (options.failApply === true) {
        return Promise.reject(new Error('the new configuration did not start'));
      }
      applied.push({ next, changed });
      return Promise.resolve();
    },
  });
  return {
    filePath,
    access,
    applied,
    shown: () => structuredClone(access.current().config),
    restartRequired: () => access.current().restartRequired,
    fileDocument: async () => parseYaml(await readFile(filePath, 'utf8')) as Record<string, unknown>,
    nextStart: () => loadConfig({ configPath: filePath, environment }),
    [Symbol.asyncDispose]: () => rm(directory, { recursive: true, force: true }),
  };
}
