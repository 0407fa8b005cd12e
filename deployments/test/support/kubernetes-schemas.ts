/**
 * Checks manifests against the Kubernetes API schemas, offline, in two ways:
 *
 * - `validateAgainstSchemas`: each document through its kubernetes-models class's `validate()` (the OpenAPI schema
 *   compiled to a validator: types, formats, required fields);
 * - `typeCheckAgainstSchemas`: each document as an object literal typed with the same package's interface
 *   (`IDeployment`…) through the TypeScript compiler. The JSON schemas accept unknown fields, so a misspelt key
 *   (`readinesProbe`, `imagePullPolicies`) would pass them, and the API server would reject it (or drop it)
 *   only at apply time; TypeScript's excess-property check catches it here, like `kubeconform -strict`.
 */
import path from 'node:path';
import ts from 'typescript';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { describeManifest, type Manifest } from './kubernetes-manifests.js';
import { repositoryRoot } from './repository.js';

interface ValidatingModel {
  validate(): void;
}

/** The kinds the deployment uses, by `apiVersion/kind`; a new kind is added here (and is then checked). */
const modelConstructors: ReadonlyMap<string, (document: Record<string, unknown>) => ValidatingModel> =
  new Map<string, (document: Record<string, unknown>) => ValidatingModel>([
    ['v1/Namespace', (document) => new Namespace(document)],
    ['v1/ConfigMap', (document) => new ConfigMap(document)],
    ['v1/Secret', (document) => new Secret(document)],
    ['v1/Service', (document) => new Service(document)],
    ['apps/v1/Deployment', (document) => new Deployment(document)],
    ['apps/v1/StatefulSet', (document) => new StatefulSet(document)],
    ['networking.k8s.io/v1/Ingress', (document) => new Ingress(document)],
    ['networking.k8s.io/v1/NetworkPolicy', (document) => new NetworkPolicy(document)],
    ['policy/v1/PodDisruptionBudget', (document) => new PodDisruptionBudget(document)],
  ]);

function modelKey(manifest: Manifest): string {
  return `${manifest.apiVersion}/${manifest.kind}`;
}

/** One line per problem, naming the manifest; empty when every document is valid. */
export function validateAgainstSchemas(manifests: readonly Manifest[]): string[] {
  const problems: string[] = [];
  for (const manifest of manifests) {
    const construct = modelConstructors.get(modelKey(manifest));
    if (construct === undefined) {
      problems.push(
        `${describeManifest(manifest)}: no schema for ${modelKey(manifest)}: add its kubernetes-models class to kubernetes-schemas.ts`,
      );
      continue;
    }
    try {
      construct(manifest.document).validate();
    } catch (error) {
      problems.push(
        `${describeManifest(manifest)}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  return problems;
}

/** One line per TypeScript diagnostic, naming the manifest; empty when every document type-checks. */
export function typeCheckAgainstSchemas(manifests: readonly Manifest[]): string[] {
  // A file that exists only in memory, placed in the repository so that `kubernetes-models` resolves.
  const virtualFile = path.join(repositoryRoot, 'deployments', 'test', '__kubernetes-manifests__.ts');
  const lines: string[] = [];
  const lineOwners: Manifest[] = [];
  manifests.forEach((manifest, index) => {
    lines.push(
      `import type { I${manifest.kind} as Manifest${index} } from 'kubernetes-models/${manifest.apiVersion}/${manifest.kind}';`,
    );
    lineOwners.push(manifest);
  });
  manifests.forEach((manifest, index) => {
    lines.push(`export const manifest${index}: Manifest${index} = ${JSON.stringify(manifest.document)};`);
    lineOwners.push(manifest);
  });
  const sourceText = lines.join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (fileName) => (fileName === virtualFile ? sourceText : readFile(fileName));
  host.fileExists = (fileName) => fileName === virtualFile || fileExists(fileName);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) =>
    fileName === virtualFile
      ? ts.createSourceFile(fileName, sourceText, languageVersion, true)
      : getSourceFile(fileName, languageVersion, onError, shouldCreate);
  const program = ts.createProgram([virtualFile], options, host);
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (diagnostic.file?.fileName !== virtualFile || diagnostic.start === undefined) return message;
    const line = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line;
    const owner = lineOwners[line];
    return owner === undefined ? message : `${describeManifest(owner)}: ${message}`;
  });
}
