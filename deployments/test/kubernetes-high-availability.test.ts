import { describe, expect, it } from 'vitest';
import {
  coreSyncConfig,
  coreSyncContainer,
  hardeningProblems,
  ingressProblems,
  missingSecretKeys,
  selectorProblems,
  withGeneratedSecretValues,
} from './support/kubernetes-checks.js';
import { findManifest, toManifest, type Manifest } from './support/kubernetes-manifests.js';
import { typeCheckAgainstSchemas, validateAgainstSchemas } from './support/kubernetes-schemas.js';
import {
  commandIsInstalled,
  field,
  listField,
  parseYamlDocuments,
  recordField,
  runCommand,
} from './support/repository.js';

// The overlay is patches over the base, so it is checked as kustomize renders it. kubectl (which embeds
// kustomize) is not a Debian package; where it is missing these checks are skipped, and the base's are not.
const overlay = 'deployments/kubernetes-high-availability';
const kubectlInstalled = commandIsInstalled('kubectl', ['version', '--client']);

let renderedManifests: Manifest[] | undefined;

function rendered(): Manifest[] {
  if (renderedManifests !== undefined) return renderedManifests;
  const result = runCommand('kubectl', ['kustomize', overlay]);
  if (result.exitCode !== 0) throw new Error(`kubectl kustomize ${overlay} failed:\n${result.stderr}`);
  renderedManifests = parseYamlDocuments(result.stdout, `kubectl kustomize ${overlay}`).map((document) =>
    toManifest(document, overlay),
  );
  return renderedManifests;
}

describe.runIf(kubectlInstalled)(`high-availability overlay (${overlay}), rendered by kustomize`, () => {
  it('matches the Kubernetes API schemas, with no unknown fields', () => {
    expect(validateAgainstSchemas(rendered())).toEqual([]);
    expect(typeCheckAgainstSchemas(rendered())).toEqual([]);
  });

  it('runs two core-sync replicas with the lease on, over the MySQL state store', () => {
    const config = coreSyncConfig(withGeneratedSecretValues(rendered()));
    expect(config.highAvailability.enabled).toBe(true);
    expect(config.stateStorage.type).toBe('mysql');
    const spec = recordField(findManifest(rendered(), 'Deployment', 'core-sync').document, 'spec');
    expect(field(spec, 'replicas')).toBe(2);
    expect(field(recordField(spec, 'strategy'), 'type')).toBe('RollingUpdate');
  });

  it('sends the API traffic to the leader only', () => {
    const readiness = recordField(coreSyncContainer(rendered()), 'readinessProbe');
    expect(field(readiness, 'httpGet')).toBeUndefined();
    expect(listField(recordField(readiness, 'exec'), 'command').join(' ')).toContain(
      "health.role === 'leader'",
    );
    const service = recordField(findManifest(rendered(), 'Service', 'core-sync').document, 'spec');
    expect(field(service, 'publishNotReadyAddresses')).toBe(false);
  });

  it('keeps every reference and hardening rule of the base', () => {
    expect(missingSecretKeys(rendered())).toEqual([]);
    expect(selectorProblems(rendered())).toEqual([]);
    expect(ingressProblems(rendered())).toEqual([]);
    expect(hardeningProblems(rendered())).toEqual([]);
    expect(findManifest(rendered(), 'PodDisruptionBudget', 'core-sync').document).toMatchObject({
      metadata: { namespace: 'mysql-sync' },
    });
  });
});

describe('high-availability overlay tooling', () => {
  it('kubectl renders the overlay where it is installed', (context) => {
    if (!kubectlInstalled) {
      context.skip(`kubectl is not installed, so ${overlay} was not rendered and checked`);
    }
    expect(rendered().length).toBeGreaterThan(0);
  });
});
