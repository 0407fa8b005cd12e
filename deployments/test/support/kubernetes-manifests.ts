/**
 * The Kubernetes manifests of deployments/kubernetes as `kubectl apply -k` would see them: the files that
 * kustomization.yaml lists, plus the ConfigMaps its configMapGenerator makes (without the name hash).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import {
  isRecord,
  listField,
  parseYamlDocument,
  parseYamlDocuments,
  readRepositoryFile,
  recordField,
  repositoryPath,
  stringField,
} from './repository.js';

export const kubernetesDirectory = 'deployments/kubernetes';

export interface Manifest {
  /** The file it comes from, relative to the repository root. */
  readonly source: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly document: Record<string, unknown>;
}

export interface Kustomization {
  readonly resources: readonly string[];
  /** The generated ConfigMaps: name → file name → the file's text. */
  readonly configMaps: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** Files of the directory that are neither resources nor generator inputs nor the kustomization itself. */
  readonly unusedFiles: readonly string[];
}

export function readKustomization(): Kustomization {
  const source = `${kubernetesDirectory}/kustomization.yaml`;
  const kustomization = parseYamlDocument(readRepositoryFile(source), source);
  const resources = listField(kustomization, 'resources').filter(
    (entry): entry is string => typeof entry === 'string',
  );
  const configMaps = new Map<string, Map<string, string>>();
  for (const generator of listField(kustomization, 'configMapGenerator')) {
    const name = stringField(generator, 'name');
    if (name === undefined) throw new Error(`${source}: a configMapGenerator entry has no name`);
    const files = new Map<string, string>();
    for (const file of listField(generator, 'files')) {
      if (typeof file !== 'string')
        throw new Error(`${source}: configMapGenerator ${name} lists a non-string file`);
      files.set(path.basename(file), readRepositoryFile(`${kubernetesDirectory}/${file}`));
    }
    configMaps.set(name, files);
  }
  const used = new Set([
    'kustomization.yaml',
    ...resources,
    ...[...configMaps.values()].flatMap((files) => [...files.keys()]),
  ]);
  const unusedFiles = readdirSync(repositoryPath(kubernetesDirectory)).filter((file) => !used.has(file));
  return { resources, configMaps, unusedFiles };
}

export function loadManifests(kustomization: Kustomization = readKustomization()): Manifest[] {
  const manifests: Manifest[] = [];
  for (const resource of kustomization.resources) {
    const source = `${kubernetesDirectory}/${resource}`;
    for (const document of parseYamlDocuments(readRepositoryFile(source), source)) {
      manifests.push(toManifest(document, source));
    }
  }
  for (const [name, files] of kustomization.configMaps) {
    const document = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name },
      data: Object.fromEntries(files),
    };
    manifests.push(toManifest(document, `${kubernetesDirectory}/kustomization.yaml (configMapGenerator)`));
  }
  return manifests;
}

export function toManifest(document: unknown, source: string): Manifest {
  if (!isRecord(document)) throw new Error(`${source}: a document is not a mapping`);
  const apiVersion = stringField(document, 'apiVersion');
  const kind = stringField(document, 'kind');
  const name = stringField(recordField(document, 'metadata'), 'name');
  if (apiVersion === undefined || kind === undefined || name === undefined) {
    throw new Error(`${source}: every document needs apiVersion, kind and metadata.name`);
  }
  return { source, apiVersion, kind, name, document };
}

export function describeManifest(manifest: Manifest): string {
  return `${manifest.kind}/${manifest.name} (${manifest.source})`;
}

export function findManifest(manifests: readonly Manifest[], kind: string, name: string): Manifest {
  const found = manifests.find((manifest) => manifest.kind === kind && manifest.name === name);
  if (found === undefined) throw new Error(`no ${kind} named ${name} in ${kubernetesDirectory}`);
  return found;
}

/** The pod template's spec of a workload (Deployment, StatefulSet). */
export function podSpec(manifest: Manifest): Record<string, unknown> {
  return recordField(recordField(recordField(manifest.document, 'spec'), 'template'), 'spec');
}

export function podLabels(manifest: Manifest): Record<string, unknown> {
  return recordField(
    recordField(recordField(recordField(manifest.document, 'spec'), 'template'), 'metadata'),
    'labels',
  );
}

export function containers(manifest: Manifest): Record<string, unknown>[] {
  return listField(podSpec(manifest), 'containers').filter(isRecord);
}
