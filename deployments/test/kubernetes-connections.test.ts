import { isIP } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceConfig } from '../../services/core-sync/src/config/index.js';
import { bearer, buildTestApi, type TestApi } from '../../services/core-sync/src/api/testing/api-test-kit.js';
import { coreSyncConfig, coreSyncContainer, withGeneratedSecretValues } from './support/kubernetes-checks.js';
import {
  findManifest,
  loadManifests,
  podSpec,
  toManifest,
  type Manifest,
} from './support/kubernetes-manifests.js';
import {
  commandIsInstalled,
  field,
  listField,
  parseYamlDocuments,
  recordField,
  runCommand,
  stringField,
} from './support/repository.js';

const baseManifests = withGeneratedSecretValues(loadManifests());
const overlay = 'deployments/kubernetes-high-availability';

/** Each database core-sync reaches over the network, with its TLS mode and where its host is. */
function databaseTls(config: ServiceConfig, manifests: readonly Manifest[]): string[] {
  const services = manifests
    .filter((manifest) => manifest.kind === 'Service')
    .map((manifest) => manifest.name);
  const endpoints = [
    { key: 'databases.local', host: config.databases.local.host, tls: config.databases.local.tls },
    { key: 'databases.cloud', host: config.databases.cloud.host, tls: config.databases.cloud.tls },
    ...(config.stateStorage.type === 'mysql'
      ? [{ key: 'state_storage', host: config.stateStorage.host, tls: config.stateStorage.tls }]
      : []),
  ];
  return endpoints.map(({ key, host, tls }) => {
    const where = services.includes(host) ? 'in the cluster' : 'outside the cluster';
    return `${key} (${where}): ${tls.mode}${tls.caFile === undefined ? '' : ` with ${tls.caFile}`}`;
  });
}

/** The volume of core-sync's pod a file lies in, described: `secret mysql-sync-database-tls` or `(none)`. */
function volumeHolding(manifests: readonly Manifest[], file: string): string {
  const mount = listField(coreSyncContainer(manifests), 'volumeMounts').find((candidate) =>
    file.startsWith(`${stringField(candidate, 'mountPath')}/`),
  );
  const volume = listField(podSpec(findManifest(manifests, 'Deployment', 'core-sync')), 'volumes').find(
    (candidate) => stringField(candidate, 'name') === stringField(mount, 'name'),
  );
  const secret = recordField(volume, 'secret');
  const optional = field(secret, 'optional') === true ? ' (optional)' : '';
  return volume === undefined ? '(none)' : `secret ${stringField(secret, 'secretName')}${optional}`;
}

function checkDatabaseTls(manifests: readonly Manifest[]): void {
  const config = coreSyncConfig(manifests);
  // Remote databases are verified, name and certificate; the in-cluster state store is at least encrypted.
  // Nothing is left on preferred (plain text when TLS fails) or disabled.
  expect(databaseTls(config, manifests)).toEqual([
    'databases.local (outside the cluster): verify_identity with /etc/mysql-sync-tls/local-ca.pem',
    'databases.cloud (outside the cluster): verify_identity with /etc/mysql-sync-tls/cloud-ca.pem',
    'state_storage (in the cluster): required',
  ]);
  for (const database of [config.databases.local, config.databases.cloud]) {
    expect(isIP(database.host), `${database.host}: verify_identity needs a host name`).toBe(0);
    // The CA comes from a Secret the pod cannot start without: no CA, no connection, never an unchecked one.
    expect(volumeHolding(manifests, database.tls.caFile ?? '')).toBe('secret mysql-sync-database-tls');
  }
}

describe('core-sync on Kubernetes: connections', () => {
  let api: TestApi | undefined;
  afterEach(async () => {
    await api?.app.close();
    api = undefined;
  });

  it('reaches no database over the network on TLS preferred or disabled', () => {
    checkDatabaseTls(baseManifests);
  });

  it('behind ingress-nginx, counts wrong tokens per client: request.ip is the address the controller saw', async () => {
    const config = coreSyncConfig(baseManifests);
    api = buildTestApi({ server: config.server });
    api.app.get('/api/v1/client-address-probe', (request) => ({ ip: request.ip }));
    const controller = '10.244.1.5';
    const seenBy = async (remoteAddress: string, forwardedFor: string | undefined): Promise<unknown> => {
      const response = await api?.app.inject({
        url: '/api/v1/client-address-probe',
        remoteAddress,
        headers: {
          ...bearer(config.server.authToken ?? ''),
          ...(forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor }),
        },
      });
      return response?.json();
    };
    expect({
      // ingress-nginx by default replaces X-Forwarded-For with the address it saw.
      replaced: await seenBy(controller, '198.51.100.7'),
      // With compute-full-forwarded-for it appends it: what the client wrote stays to the left, unbelieved.
      appended: await seenBy(controller, '192.0.2.66, 198.51.100.7'),
      // The controller's own requests, and Prometheus scraping directly, are themselves.
      direct: await seenBy('10.244.2.9', undefined),
    }).toEqual({
      replaced: { ip: '198.51.100.7' },
      appended: { ip: '198.51.100.7' },
      direct: { ip: '10.244.2.9' },
    });
  });
});

describe.runIf(commandIsInstalled('kubectl', ['version', '--client']))(`${overlay}: connections`, () => {
  it('reaches no database over the network on TLS preferred or disabled', () => {
    const result = runCommand('kubectl', ['kustomize', overlay]);
    expect(result.exitCode, result.stderr).toBe(0);
    const rendered = parseYamlDocuments(result.stdout, overlay).map((document) =>
      toManifest(document, overlay),
    );
    checkDatabaseTls(withGeneratedSecretValues(rendered));
  });
});
