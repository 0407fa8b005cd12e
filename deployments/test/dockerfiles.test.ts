import { describe, expect, it } from 'vitest';
import {
  copyInstructions,
  finalStage,
  instructionsOf,
  readDockerfile,
  resolvedBaseImage,
  type Dockerfile,
} from './support/dockerfile.js';
import { readRepositoryFile, repositoryFileExists } from './support/repository.js';

const images = [
  { name: 'core-sync', path: 'services/core-sync/Dockerfile', port: '8080', healthPath: '/health' },
  { name: 'web-ui', path: 'services/web-ui/Dockerfile', port: '3000', healthPath: '/healthz' },
] as const;

/** The `!path` entries of the root .dockerignore: what the build context keeps (it excludes everything else). */
function buildContextAllowList(): string[] {
  const lines = readRepositoryFile('.dockerignore')
    .split('\n')
    .map((line) => line.trim());
  expect(lines, '.dockerignore should start from "*" and allow paths back in').toContain('*');
  return lines.filter((line) => line.startsWith('!')).map((line) => line.slice(1).replace(/\/$/, ''));
}

function isInBuildContext(source: string, allowList: readonly string[]): boolean {
  const normalized = source.replace(/\/$/, '');
  return allowList.some(
    (allowed) =>
      normalized === allowed || normalized.startsWith(`${allowed}/`) || allowed.startsWith(`${normalized}/`),
  );
}

function userOfFinalStage(dockerfile: Dockerfile): string | undefined {
  return instructionsOf(finalStage(dockerfile), 'USER').at(-1)?.argument;
}

describe.each(images)('$name Dockerfile', (image) => {
  const dockerfile = readDockerfile(image.path);
  const runtime = finalStage(dockerfile);

  it('is multi-stage: the runtime stage starts from a fresh base image', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    const stageNames = dockerfile.stages.map((stage) => stage.name);
    expect(stageNames).not.toContain(runtime.baseImage);
  });

  it('runs as an unprivileged user', () => {
    const user = userOfFinalStage(dockerfile);
    expect(user, 'the runtime stage needs a USER').toBeDefined();
    expect(user?.split(':')[0]).not.toMatch(/^(root|0)$/);
    // Numeric, so that Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
    expect(user).toMatch(/^\d+(:\d+)?$/);
  });

  it(`has a HEALTHCHECK on ${image.healthPath} at the exposed port ${image.port}`, () => {
    const [healthCheck] = instructionsOf(runtime, 'HEALTHCHECK');
    expect(healthCheck, 'the runtime stage needs a HEALTHCHECK').toBeDefined();
    expect(healthCheck?.argument).toContain(image.healthPath);
    expect(healthCheck?.argument).toMatch(new RegExp(`${image.port}|MYSQL_SYNC_SERVER__PORT`));
    expect(instructionsOf(runtime, 'EXPOSE').map((instruction) => instruction.argument)).toEqual([
      image.port,
    ]);
  });

  it('installs no dependencies in the runtime stage, and only production ones go into it', () => {
    const runtimeCommands = instructionsOf(runtime, 'RUN').map((instruction) => instruction.argument);
    expect(runtimeCommands.filter((command) => /\bnpm (ci|install|i)\b/.test(command))).toEqual([]);
    for (const copy of copyInstructions(runtime)) {
      if (copy.fromStage === undefined || !copy.sources.some((source) => source.includes('node_modules')))
        continue;
      const origin = dockerfile.stages.find((stage) => stage.name === copy.fromStage);
      const installs = instructionsOf(origin ?? runtime, 'RUN')
        .map((instruction) => instruction.argument)
        .filter((command) => /\bnpm ci\b/.test(command));
      expect(installs.length, `stage ${copy.fromStage} should install with npm ci`).toBeGreaterThan(0);
      expect(installs.every((command) => command.includes('--omit=dev'))).toBe(true);
    }
  });

  it('copies only files that exist and that .dockerignore lets into the build context', () => {
    const allowList = buildContextAllowList();
    const problems = dockerfile.stages.flatMap((stage) =>
      copyInstructions(stage)
        .filter((copy) => copy.fromStage === undefined)
        .flatMap((copy) => copy.sources)
        .flatMap((source) => [
          ...(repositoryFileExists(source) ? [] : [`${source} does not exist`]),
          ...(isInBuildContext(source, allowList) ? [] : [`${source} is excluded by .dockerignore`]),
        ]),
    );
    expect(problems).toEqual([]);
  });

  it('builds on Node 20 (the engines field of package.json)', () => {
    const nodeStages = dockerfile.stages.filter((stage) =>
      resolvedBaseImage(dockerfile, stage).startsWith('node:'),
    );
    expect(nodeStages.length).toBeGreaterThan(0);
    for (const stage of nodeStages) expect(resolvedBaseImage(dockerfile, stage)).toMatch(/^node:20[.-]/);
  });
});

describe('core-sync image', () => {
  const dockerfile = readDockerfile('services/core-sync/Dockerfile');
  const runtime = finalStage(dockerfile);

  it('ships the compiled service and the state-store migrations where the migrator finds them', () => {
    const copies = copyInstructions(runtime);
    // src/store/migrator.ts walks up from dist/store/ to the nearest migrations/ with sqlite/ in it.
    expect(copies).toContainEqual({
      fromStage: undefined,
      sources: ['migrations'],
      destination: 'migrations',
    });
    expect(repositoryFileExists('migrations/sqlite') && repositoryFileExists('migrations/mysql')).toBe(true);
    const distCopy = copies.find((copy) => copy.sources.some((source) => source.endsWith('/dist')));
    expect(distCopy?.destination).toBe('services/core-sync/dist');
    expect(instructionsOf(runtime, 'WORKDIR').at(-1)?.argument).toBe('/app');
    expect(instructionsOf(runtime, 'ENTRYPOINT').at(-1)?.argument).toContain(
      'services/core-sync/dist/main.js',
    );
  });
});

describe('web-ui image', () => {
  it('serves config.js from the directory its start script writes to, on the port it exposes', () => {
    const nginxConfig = readRepositoryFile('services/web-ui/docker/nginx.conf');
    const startScript = readRepositoryFile('services/web-ui/docker/40-mysql-sync-runtime-config.sh');
    const configDirectory = /config_directory="\$\{MYSQL_SYNC_UI_CONFIG_DIRECTORY:-([^}]+)\}"/.exec(
      startScript,
    )?.[1];
    expect(configDirectory).toBeDefined();
    expect(nginxConfig).toMatch(new RegExp(`location = /config\\.js \\{\\s*root ${configDirectory};`));
    expect(nginxConfig).toMatch(/listen 3000;/);
  });
});
