/**
 * Checks over a set of Kubernetes manifests, shared by the base (read file by file) and the high-availability
 * overlay (rendered by kustomize). Each returns the problems it found, one line each, or the value it derived.
 */
import { randomBytes } from 'node:crypto';
import type { ServiceConfig } from '../../../services/core-sync/src/config/index.js';
import { validateConfigDocument } from '../../../services/core-sync/src/config/index.js';
import {
  containers,
  describeManifest,
  findManifest,
  podLabels,
  podSpec,
  type Manifest,
} from './kubernetes-manifests.js';
import { field, isRecord, listField, parseYamlDocument, recordField, stringField } from './repository.js';

export function isWorkload(manifest: Manifest): boolean {
  return manifest.kind === 'Deployment' || manifest.kind === 'StatefulSet';
}

/** A Secret's values by key: stringData as written, or data decoded from base64. */
export function secretValues(manifests: readonly Manifest[], name: string): Record<string, string> {
  const secret = findManifest(manifests, 'Secret', name).document;
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(recordField(secret, 'data'))) {
    if (typeof value === 'string') values[key] = Buffer.from(value, 'base64').toString('utf8');
  }
  for (const [key, value] of Object.entries(recordField(secret, 'stringData'))) {
    if (typeof value === 'string') values[key] = value;
  }
  return values;
}

/** The container's environment as the pod sees it, with secretKeyRef values looked up in the Secret. */
export function containerEnvironment(
  manifests: readonly Manifest[],
  container: Record<string, unknown>,
): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const variable of listField(container, 'env')) {
    const name = stringField(variable, 'name') ?? '(unnamed)';
    const literal = stringField(variable, 'value');
    const secretReference = recordField(recordField(variable, 'valueFrom'), 'secretKeyRef');
    const secretName = stringField(secretReference, 'name');
    if (literal !== undefined) {
      environment[name] = literal;
    } else if (secretName !== undefined) {
      const key = stringField(secretReference, 'key') ?? '';
      const value = secretValues(manifests, secretName)[key];
      if (value === undefined)
        throw new Error(`${name} refers to Secret ${secretName} key ${key}, which it lacks`);
      environment[name] = value;
    } else {
      throw new Error(`${name}: only value and secretKeyRef are expected in core-sync's environment`);
    }
  }
  return environment;
}

/**
 * The manifests with every Secret value filled as the operator is told to (secret.yaml's comment): a random
 * `openssl rand -hex 24`-like value of its own for each key. The shipped values are empty.
 */
export function withGeneratedSecretValues(manifests: readonly Manifest[]): Manifest[] {
  return manifests.map((manifest) => {
    if (manifest.kind !== 'Secret') return manifest;
    const keys = Object.keys(secretValues(manifests, manifest.name));
    const stringData = Object.fromEntries(keys.map((key) => [key, randomBytes(24).toString('hex')]));
    const { data: _data, ...document } = manifest.document;
    return { ...manifest, document: { ...document, stringData } };
  });
}

export function coreSyncContainer(manifests: readonly Manifest[]): Record<string, unknown> {
  const [container] = containers(findManifest(manifests, 'Deployment', 'core-sync'));
  if (container === undefined) throw new Error('the core-sync Deployment has no container');
  return container;
}

/**
 * core-sync's configuration as the pod would load it: the file CONFIG_PATH names, from the ConfigMap mounted
 * there, with the container's MYSQL_SYNC_* environment on top, through core-sync's own validator (which throws
 * CONFIG_INVALID listing every problem).
 */
export function coreSyncConfig(manifests: readonly Manifest[]): ServiceConfig {
  const deployment = findManifest(manifests, 'Deployment', 'core-sync');
  const container = coreSyncContainer(manifests);
  const environment = containerEnvironment(manifests, container);
  const configPath = environment.CONFIG_PATH ?? '';
  const mount = listField(container, 'volumeMounts').find((candidate) =>
    configPath.startsWith(`${stringField(candidate, 'mountPath')}/`),
  );
  if (mount === undefined) throw new Error(`CONFIG_PATH ${configPath} lies in no volume mount of core-sync`);
  const volume = listField(podSpec(deployment), 'volumes').find(
    (candidate) => stringField(candidate, 'name') === stringField(mount, 'name'),
  );
  const configMapName = stringField(recordField(volume, 'configMap'), 'name') ?? '';
  const fileName = configPath.slice((stringField(mount, 'mountPath') ?? '').length + 1);
  const text = recordField(findManifest(manifests, 'ConfigMap', configMapName).document, 'data')[fileName];
  if (typeof text !== 'string') throw new Error(`ConfigMap ${configMapName} has no ${fileName}`);
  const source = `ConfigMap ${configMapName} ${fileName}`;
  return validateConfigDocument(parseYamlDocument(text, source), source, environment);
}

export function missingSecretKeys(manifests: readonly Manifest[]): string[] {
  return manifests.filter(isWorkload).flatMap((workload) =>
    containers(workload).flatMap((container) =>
      listField(container, 'env').flatMap((variable) => {
        const reference = recordField(recordField(variable, 'valueFrom'), 'secretKeyRef');
        const secret = stringField(reference, 'name');
        const key = stringField(reference, 'key');
        if (secret === undefined || key === undefined) return [];
        return key in secretValues(manifests, secret)
          ? []
          : [`${describeManifest(workload)}: Secret ${secret} has no key ${key}`];
      }),
    ),
  );
}

/** Services (and PodDisruptionBudgets) that select no workload, or target a port name their pods lack. */
export function selectorProblems(manifests: readonly Manifest[]): string[] {
  const problems: string[] = [];
  const selecting = manifests.filter(
    (manifest) => manifest.kind === 'Service' || manifest.kind === 'PodDisruptionBudget',
  );
  for (const selector of selecting) {
    const spec = recordField(selector.document, 'spec');
    const labels =
      selector.kind === 'Service'
        ? recordField(spec, 'selector')
        : recordField(recordField(spec, 'selector'), 'matchLabels');
    const workloads = manifests.filter(
      (manifest) =>
        isWorkload(manifest) &&
        Object.entries(labels).every(([label, value]) => podLabels(manifest)[label] === value),
    );
    if (workloads.length !== 1)
      problems.push(`${describeManifest(selector)} selects ${workloads.length} workloads`);
    if (selector.kind !== 'Service') continue;
    const portNames = workloads.flatMap((workload) =>
      containers(workload).flatMap((container) =>
        listField(container, 'ports').map((port) => stringField(port, 'name')),
      ),
    );
    for (const port of listField(spec, 'ports')) {
      const target = field(port, 'targetPort');
      if (typeof target === 'string' && !portNames.includes(target)) {
        problems.push(`${describeManifest(selector)}: targetPort ${target} is not a port of its pods`);
      }
    }
  }
  return problems;
}

/** Ingress backends naming a Service or a Service port that does not exist. */
export function ingressProblems(manifests: readonly Manifest[]): string[] {
  return manifests
    .filter((manifest) => manifest.kind === 'Ingress')
    .flatMap((ingress) =>
      listField(recordField(ingress.document, 'spec'), 'rules').flatMap((rule) =>
        listField(recordField(rule, 'http'), 'paths').flatMap((entry) => {
          const backend = recordField(recordField(entry, 'backend'), 'service');
          const serviceName = stringField(backend, 'name') ?? '';
          const portName = stringField(recordField(backend, 'port'), 'name');
          const service = manifests.find(
            (manifest) => manifest.kind === 'Service' && manifest.name === serviceName,
          );
          if (service === undefined) return [`${describeManifest(ingress)}: no Service ${serviceName}`];
          const ports = listField(recordField(service.document, 'spec'), 'ports').map((port) =>
            stringField(port, 'name'),
          );
          return ports.includes(portName)
            ? []
            : [`${describeManifest(ingress)}: Service ${serviceName} has no port ${portName}`];
        }),
      ),
    );
}

/** Containers without the hardening every workload here has: non-root, no escalation, read-only root, limits, probes. */
export function hardeningProblems(manifests: readonly Manifest[]): string[] {
  const problems: string[] = [];
  for (const workload of manifests.filter(isWorkload)) {
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
  return problems;
}
