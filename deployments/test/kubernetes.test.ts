import { describe, expect, it } from 'vitest';
import { validateConfigDocument } from '../../services/core-sync/src/config/index.js';
import {
  containers,
  describeManifest,
  findManifest,
  loadManifests,
  podLabels,
  podSpec,
  readKustomization,
  type Manifest,
} from './support/kubernetes-manifests.js';
import { typeCheckAgainstSchemas, validateAgainstSchemas } from './support/kubernetes-schemas.js';
import {
  isRecord,
  listField,
  parseYamlDocument,
  recordField,
  stringField,
  field,
  runCommand,
  commandIsInstalled,
} from './support/repository.js';

const kustomization = readKustomization();
const manifests = loadManifests(kustomization);

function coreSyncContainer(): Record<string, unknown> {
  const [container] = containers(findManifest(manifests, 'Deployment', 'core-sync'));
  if (container === undefined) throw new Error('the core-sync Deployment has no container');
  return container;
}

/** The Secret's values by key (stringData, as the placeholders are written). */
function secretValues(name: string): Record<string, unknown> {
  return recordField(findManifest(manifests, 'Secret', name).document, 'stringData');
}

/** The container's environment as the pod sees it, with secretKeyRef values looked up in the Secret. */
function containerEnvironment(container: Record<string, unknown>): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const variable of listField(container, 'env')) {
    const name = stringField(variable, 'name') ?? '(unnamed)';
    const literal = stringField(variable, 'value');
    const secretReference = recordField(recordField(variable, 'valueFrom'), 'secretKeyRef');
    if (literal !== undefined) {
      environment[name] = literal;
    } else if (stringField(secretReference, 'name') !== undefined) {
      const secretName = stringField(secretReference, 'name') ?? '';
      const key = stringField(secretReference, 'key') ?? '';
      const value = secretValues(secretName)[key];
      if (typeof value !== 'string')
        throw new Error(`${name} refers to Secret ${secretName} key ${key}, which it lacks`);
      environment[name] = value;
    } else {
      throw new Error(`${name}: only value and secretKeyRef are expected in core-sync's environment`);
    }
  }
  return environment;
}

function referencedSecretKeys(workload: Manifest): { readonly secret: string; readonly key: string }[] {
  return containers(workload).flatMap((container) =>
    listField(container, 'env').flatMap((variable) => {
      const reference = recordField(recordField(variable, 'valueFrom'), 'secretKeyRef');
      const secret = stringField(reference, 'name');
      const key = stringField(reference, 'key');
      return secret === undefined || key === undefined ? [] : [{ secret, key }];
    }),
  );
}

describe('Kubernetes manifests', () => {
  it('kustomization.yaml lists every manifest of the directory', () => {
    expect(kustomization.unusedFiles).toEqual([]);
    expect(manifests.map((manifest) => `${manifest.kind}/${manifest.name}`).sort()).toEqual(
      [
        'ConfigMap/core-sync-config',
        'Deployment/core-sync',
        'Deployment/web-ui',
        'Ingress/mysql-sync',
        'Namespace/mysql-sync',
        'Secret/mysql-sync',
        'Service/core-sync',
        'Service/state-db',
        'Service/web-ui',
        'StatefulSet/state-db',
      ].sort(),
    );
  });

  it('match the Kubernetes API schemas', () => {
    expect(validateAgainstSchemas(manifests)).toEqual([]);
  });

  it('have no fields the Kubernetes API does not know', () => {
    expect(typeCheckAgainstSchemas(manifests)).toEqual([]);
  });

  it('render with kustomize when kubectl is installed', (context) => {
    if (!commandIsInstalled('kubectl', ['version', '--client'])) {
      context.skip('kubectl is not installed: the manifests were checked file by file above');
    }
    const rendered = runCommand('kubectl', ['kustomize', 'deployments/kubernetes']);
    expect(rendered.stderr).toBe('');
    expect(rendered.exitCode).toBe(0);
    expect(rendered.stdout).toContain('kind: Deployment');
  });

  it("core-sync's ConfigMap and environment make a configuration core-sync accepts", () => {
    const container = coreSyncContainer();
    const environment = containerEnvironment(container);
    const configPath = environment.CONFIG_PATH;
    const configMount = listField(container, 'volumeMounts').find(
      (mount) => configPath !== undefined && configPath.startsWith(`${stringField(mount, 'mountPath')}/`),
    );
    expect(configMount, `CONFIG_PATH ${configPath} lies in no volume mount`).toBeDefined();
    const volume = listField(podSpec(findManifest(manifests, 'Deployment', 'core-sync')), 'volumes').find(
      (candidate) => stringField(candidate, 'name') === stringField(configMount, 'name'),
    );
    const configMapName = stringField(recordField(volume, 'configMap'), 'name') ?? '';
    const configFileName = (configPath ?? '').slice((stringField(configMount, 'mountPath') ?? '').length + 1);
    const configText = recordField(findManifest(manifests, 'ConfigMap', configMapName).document, 'data')[
      configFileName
    ];
    expect(typeof configText, `ConfigMap ${configMapName} has no ${configFileName}`).toBe('string');
    const document = parseYamlDocument(String(configText), 'deployments/kubernetes/config.yaml');
    const config = validateConfigDocument(document, 'deployments/kubernetes/config.yaml', environment);
    expect(config.server.authToken).toBe(secretValues('mysql-sync')['auth-token']);
    expect(config.stateStorage.type).toBe('mysql');
    const port = listField(container, 'ports').find((entry) => stringField(entry, 'name') === 'http');
    expect(field(port, 'containerPort')).toBe(config.server.port);
  });

  it('every secretKeyRef names a key the Secret has', () => {
    const missing = manifests
      .filter((manifest) => manifest.kind === 'Deployment' || manifest.kind === 'StatefulSet')
      .flatMap((workload) =>
        referencedSecretKeys(workload)
          .filter(({ secret, key }) => !(key in secretValues(secret)))
          .map(({ secret, key }) => `${describeManifest(workload)}: Secret ${secret} has no key ${key}`),
      );
    expect(missing).toEqual([]);
  });

  it('Services select their pods and target named ports those pods declare', () => {
    const problems: string[] = [];
    for (const service of manifests.filter((manifest) => manifest.kind === 'Service')) {
      const selector = recordField(recordField(service.document, 'spec'), 'selector');
      const workloads = manifests.filter(
        (manifest) =>
          (manifest.kind === 'Deployment' || manifest.kind === 'StatefulSet') &&
          Object.entries(selector).every(([label, value]) => podLabels(manifest)[label] === value),
      );
      if (workloads.length !== 1)
        problems.push(`${describeManifest(service)} selects ${workloads.length} workloads`);
      const portNames = workloads.flatMap((workload) =>
        containers(workload).flatMap((container) =>
          listField(container, 'ports').map((port) => stringField(port, 'name')),
        ),
      );
      for (const port of listField(recordField(service.document, 'spec'), 'ports')) {
        const target = field(port, 'targetPort');
        if (typeof target === 'string' && !portNames.includes(target)) {
          problems.push(`${describeManifest(service)}: targetPort ${target} is not a port of its pods`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('the Ingress routes to Services and ports that exist', () => {
    const ingress = findManifest(manifests, 'Ingress', 'mysql-sync');
    const backends = listField(recordField(ingress.document, 'spec'), 'rules').flatMap((rule) =>
      listField(recordField(rule, 'http'), 'paths').map((entry) =>
        recordField(recordField(entry, 'backend'), 'service'),
      ),
    );
    expect(backends.length).toBeGreaterThan(0);
    for (const backend of backends) {
      const service = findManifest(manifests, 'Service', stringField(backend, 'name') ?? '');
      const portName = stringField(recordField(backend, 'port'), 'name');
      const servicePorts = listField(recordField(service.document, 'spec'), 'ports').map((port) =>
        stringField(port, 'name'),
      );
      expect(servicePorts, `${describeManifest(service)} has no port ${portName}`).toContain(portName);
    }
  });

  it('core-sync runs as one replica, not as root, on a read-only root filesystem, with probes and limits', () => {
    const deployment = findManifest(manifests, 'Deployment', 'core-sync');
    const spec = recordField(deployment.document, 'spec');
    expect(field(spec, 'replicas')).toBe(1);
    expect(field(recordField(spec, 'strategy'), 'type')).toBe('Recreate');
    const container = coreSyncContainer();
    expect(field(recordField(podSpec(deployment), 'securityContext'), 'runAsNonRoot')).toBe(true);
    expect(field(recordField(container, 'securityContext'), 'readOnlyRootFilesystem')).toBe(true);
    expect(field(recordField(container, 'securityContext'), 'allowPrivilegeEscalation')).toBe(false);
    // Readiness wants a 200 from /health; liveness must not restart the pod while /health answers 503.
    expect(field(recordField(recordField(container, 'readinessProbe'), 'httpGet'), 'path')).toBe('/health');
    expect(isRecord(field(container, 'startupProbe'))).toBe(true);
    expect(field(recordField(container, 'livenessProbe'), 'httpGet')).toBeUndefined();
    expect(recordField(recordField(container, 'resources'), 'limits')).toMatchObject({ memory: '512Mi' });
    expect(recordField(recordField(container, 'resources'), 'requests')).toMatchObject({ memory: '256Mi' });
    const writable = listField(container, 'volumeMounts').map((mount) => stringField(mount, 'mountPath'));
    expect(writable).toEqual(expect.arrayContaining(['/tmp', '/app/data']));
  });

  it('every container runs as non-root without privilege escalation, with resource limits', () => {
    const problems: string[] = [];
    for (const workload of manifests.filter(
      (manifest) => manifest.kind === 'Deployment' || manifest.kind === 'StatefulSet',
    )) {
      if (field(recordField(podSpec(workload), 'securityContext'), 'runAsNonRoot') !== true) {
        problems.push(`${describeManifest(workload)}: pod securityContext.runAsNonRoot is not true`);
      }
      for (const container of containers(workload)) {
        const name = `${describeManifest(workload)} container ${stringField(container, 'name')}`;
        const securityContext = recordField(container, 'securityContext');
        if (field(securityContext, 'allowPrivilegeEscalation') !== false)
          problems.push(`${name}: privilege escalation allowed`);
        if (field(securityContext, 'readOnlyRootFilesystem') !== true)
          problems.push(`${name}: root filesystem writable`);
        if (stringField(recordField(recordField(container, 'resources'), 'limits'), 'memory') === undefined) {
          problems.push(`${name}: no memory limit`);
        }
        if (!isRecord(field(container, 'readinessProbe')) || !isRecord(field(container, 'livenessProbe'))) {
          problems.push(`${name}: needs a readiness and a liveness probe`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
