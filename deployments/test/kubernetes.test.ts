import { describe, expect, it } from 'vitest';
import type { ConfigProblem } from '../../services/core-sync/src/config/index.js';
import { SyncError } from '../../services/core-sync/src/errors/index.js';
import {
  coreSyncConfig,
  coreSyncContainer,
  hardeningProblems,
  ingressProblems,
  missingSecretKeys,
  secretValues,
  selectorProblems,
  withGeneratedSecretValues,
} from './support/kubernetes-checks.js';
import { findManifest, loadManifests, podSpec, readKustomization } from './support/kubernetes-manifests.js';
import { typeCheckAgainstSchemas, validateAgainstSchemas } from './support/kubernetes-schemas.js';
import {
  commandIsInstalled,
  field,
  isRecord,
  listField,
  recordField,
  runCommand,
  stringField,
} from './support/repository.js';

const kustomization = readKustomization();
const manifests = loadManifests(kustomization);

describe('Kubernetes manifests (deployments/kubernetes)', () => {
  it('kustomization.yaml lists every manifest of the directory', () => {
    expect(kustomization.unusedFiles).toEqual([]);
    expect(manifests.map((manifest) => `${manifest.kind}/${manifest.name}`).sort()).toEqual(
      [
        'ConfigMap/core-sync-config',
        'Deployment/core-sync',
        'Deployment/web-ui',
        'Ingress/mysql-sync',
        'Namespace/mysql-sync',
        'NetworkPolicy/core-sync',
        'NetworkPolicy/core-sync-from-monitoring',
        'NetworkPolicy/default-deny',
        'NetworkPolicy/state-db',
        'NetworkPolicy/web-ui',
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

  it('the Secret ships no usable value: core-sync refuses to start on it as shipped', () => {
    const values = secretValues(manifests, 'mysql-sync');
    expect(Object.keys(values).length).toBeGreaterThanOrEqual(8);
    expect(Object.entries(values).filter(([, value]) => value !== '')).toEqual([]);
    let refusal: unknown;
    try {
      coreSyncConfig(manifests);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(SyncError);
    expect(refusal).toMatchObject({ code: 'CONFIG_INVALID' });
    const problems = ((refusal as SyncError).details?.problems ?? []) as ConfigProblem[];
    expect(problems.map((problem) => problem.path)).toEqual(
      expect.arrayContaining(['server.auth_token', 'server.read_only_tokens[0]']),
    );
  });

  it("with the Secret filled in, core-sync's ConfigMap and environment make a configuration it accepts", () => {
    const filled = withGeneratedSecretValues(manifests);
    const config = coreSyncConfig(filled);
    expect(config.server.authToken).toBe(secretValues(filled, 'mysql-sync')['auth-token']);
    expect(config.stateStorage.type).toBe('mysql');
    const port = listField(coreSyncContainer(manifests), 'ports').find(
      (entry) => stringField(entry, 'name') === 'http',
    );
    expect(field(port, 'containerPort')).toBe(config.server.port);
    // The dashboard reaches the API at the Ingress's own origin.
    const host = stringField(
      listField(recordField(findManifest(manifests, 'Ingress', 'mysql-sync').document, 'spec'), 'rules')[0],
      'host',
    );
    const [webUi] = listField(podSpec(findManifest(manifests, 'Deployment', 'web-ui')), 'containers');
    const apiUrl = listField(webUi, 'env').find(
      (variable) => stringField(variable, 'name') === 'MYSQL_SYNC_API_URL',
    );
    expect(stringField(apiUrl, 'value')).toBe(`https://${host}`);
  });

  it('every secretKeyRef names a key the Secret has', () => {
    expect(missingSecretKeys(manifests)).toEqual([]);
  });

  it('Services select their pods and target named ports those pods declare', () => {
    expect(selectorProblems(manifests)).toEqual([]);
  });

  it('the Ingress routes to Services and ports that exist', () => {
    expect(ingressProblems(manifests)).toEqual([]);
  });

  it('every container runs as non-root without privilege escalation, read-only, with limits and probes', () => {
    expect(hardeningProblems(manifests)).toEqual([]);
  });

  it('core-sync: one replica replaced by Recreate; readiness wants a 200, liveness tolerates a 503', () => {
    const spec = recordField(findManifest(manifests, 'Deployment', 'core-sync').document, 'spec');
    expect(field(spec, 'replicas')).toBe(1);
    expect(field(recordField(spec, 'strategy'), 'type')).toBe('Recreate');
    const container = coreSyncContainer(manifests);
    expect(field(recordField(recordField(container, 'readinessProbe'), 'httpGet'), 'path')).toBe('/health');
    expect(isRecord(field(container, 'startupProbe'))).toBe(true);
    // Not an HTTP probe: it would fail on 503 and restart the pod while a database is down.
    expect(field(recordField(container, 'livenessProbe'), 'httpGet')).toBeUndefined();
    expect(recordField(recordField(container, 'resources'), 'requests')).toMatchObject({ memory: '256Mi' });
    expect(recordField(recordField(container, 'resources'), 'limits')).toMatchObject({ memory: '512Mi' });
    const mounts = listField(container, 'volumeMounts').map((mount) => stringField(mount, 'mountPath'));
    expect(mounts).toEqual(expect.arrayContaining(['/tmp', '/app/data']));
    // The API stays reachable while the pod is not ready (a stream is down).
    expect(
      field(
        recordField(findManifest(manifests, 'Service', 'core-sync').document, 'spec'),
        'publishNotReadyAddresses',
      ),
    ).toBe(true);
  });
});
