import { describe, expect, it } from 'vitest';
import { coreSyncConfig, isWorkload, withGeneratedSecretValues } from './support/kubernetes-checks.js';
import { loadManifests, toManifest, type Manifest } from './support/kubernetes-manifests.js';
import { networkPolicies, selects, workloadPeer } from './support/network-policies.js';
import { deploymentPeers, reachability, surroundings } from './support/network-reachability.js';
import { commandIsInstalled, parseYamlDocuments, runCommand } from './support/repository.js';

const namespace = 'mysql-sync';
const baseManifests = loadManifests();

/** Which workloads each policy's podSelector picks, by policy. */
function selectedWorkloads(manifests: readonly Manifest[]): Record<string, string[]> {
  const workloads = manifests.filter(isWorkload);
  return Object.fromEntries(
    networkPolicies(manifests, namespace).map((policy) => [
      policy.name,
      workloads
        .filter((workload) =>
          selects(policy.podSelector, workloadPeer(workload, namespace, '').pod?.labels ?? {}),
        )
        .map((workload) => `${workload.kind}/${workload.name}`)
        .sort(),
    ]),
  );
}

/** Every path the deployment needs, and the ones it must not have, with what the policies say of each. */
function reachabilityTable(manifests: readonly Manifest[]): string[] {
  const { coreSync, stateDb, webUi, podInNamespace } = deploymentPeers(manifests, namespace);
  const { ingressController, prometheus, dns, podElsewhere, databaseV4, databaseV6, internet } = surroundings;
  const config = coreSyncConfig(withGeneratedSecretValues(manifests));
  const apiPort = config.server.port;
  const databasePorts = [config.databases.local.port, config.databases.cloud.port];
  return reachability(manifests, namespace, [
    // The paths the deployment needs.
    { source: ingressController, destination: coreSync, port: apiPort },
    { source: ingressController, destination: webUi, port: 3000 },
    { source: prometheus, destination: coreSync, port: apiPort },
    { source: coreSync, destination: stateDb, port: 3306 },
    { source: coreSync, destination: dns, port: 53, protocol: 'UDP' },
    { source: coreSync, destination: dns, port: 53, protocol: 'TCP' },
    ...databasePorts.flatMap((port) => [
      { source: coreSync, destination: databaseV4, port },
      { source: coreSync, destination: databaseV6, port },
    ]),
    // The state store: core-sync only.
    { source: ingressController, destination: stateDb, port: 3306 },
    { source: prometheus, destination: stateDb, port: 3306 },
    { source: webUi, destination: stateDb, port: 3306 },
    { source: podInNamespace, destination: stateDb, port: 3306 },
    { source: podElsewhere, destination: stateDb, port: 3306 },
    { source: coreSync, destination: stateDb, port: 33060 },
    // core-sync: the ingress controller and Prometheus only.
    { source: webUi, destination: coreSync, port: apiPort },
    { source: podInNamespace, destination: coreSync, port: apiPort },
    { source: podElsewhere, destination: coreSync, port: apiPort },
    { source: internet, destination: coreSync, port: apiPort },
    { source: ingressController, destination: coreSync, port: 9229 },
    // The dashboard: the ingress controller only.
    { source: prometheus, destination: webUi, port: 3000 },
    { source: podElsewhere, destination: webUi, port: 3000 },
    // Nothing else goes out.
    { source: coreSync, destination: internet, port: 443 },
    { source: stateDb, destination: databaseV4, port: 3306 },
    { source: stateDb, destination: dns, port: 53, protocol: 'UDP' },
    { source: webUi, destination: internet, port: 443 },
    { source: webUi, destination: dns, port: 53, protocol: 'UDP' },
  ]);
}

const expectedTable = [
  'ingress-nginx controller → Deployment/core-sync:8080/TCP: allowed',
  'ingress-nginx controller → Deployment/web-ui:3000/TCP: allowed',
  'Prometheus → Deployment/core-sync:8080/TCP: allowed',
  'Deployment/core-sync → StatefulSet/state-db:3306/TCP: allowed',
  'Deployment/core-sync → CoreDNS:53/UDP: allowed',
  'Deployment/core-sync → CoreDNS:53/TCP: allowed',
  'Deployment/core-sync → a database at 203.0.113.10:3306/TCP: allowed',
  'Deployment/core-sync → a database at 2001:db8::10:3306/TCP: allowed',
  'Deployment/core-sync → a database at 203.0.113.10:3306/TCP: allowed',
  'Deployment/core-sync → a database at 2001:db8::10:3306/TCP: allowed',
  'ingress-nginx controller → StatefulSet/state-db:3306/TCP: refused',
  'Prometheus → StatefulSet/state-db:3306/TCP: refused',
  'Deployment/web-ui → StatefulSet/state-db:3306/TCP: refused',
  'a debug pod in the namespace → StatefulSet/state-db:3306/TCP: refused',
  'a pod of another namespace → StatefulSet/state-db:3306/TCP: refused',
  'Deployment/core-sync → StatefulSet/state-db:33060/TCP: refused',
  'Deployment/web-ui → Deployment/core-sync:8080/TCP: refused',
  'a debug pod in the namespace → Deployment/core-sync:8080/TCP: refused',
  'a pod of another namespace → Deployment/core-sync:8080/TCP: refused',
  'a client on the internet → Deployment/core-sync:8080/TCP: refused',
  'ingress-nginx controller → Deployment/core-sync:9229/TCP: refused',
  'Prometheus → Deployment/web-ui:3000/TCP: refused',
  'a pod of another namespace → Deployment/web-ui:3000/TCP: refused',
  'Deployment/core-sync → a client on the internet:443/TCP: refused',
  'StatefulSet/state-db → a database at 203.0.113.10:3306/TCP: refused',
  'StatefulSet/state-db → CoreDNS:53/UDP: refused',
  'Deployment/web-ui → a client on the internet:443/TCP: refused',
  'Deployment/web-ui → CoreDNS:53/UDP: refused',
];

const expectedSelections = {
  'default-deny': ['Deployment/core-sync', 'Deployment/web-ui', 'StatefulSet/state-db'],
  'state-db': ['StatefulSet/state-db'],
  'core-sync': ['Deployment/core-sync'],
  'core-sync-from-monitoring': ['Deployment/core-sync'],
  'web-ui': ['Deployment/web-ui'],
};

describe('NetworkPolicies (deployments/kubernetes/network-policies.yaml)', () => {
  it('select the pods they are written for, by the labels of their workloads', () => {
    expect(selectedWorkloads(baseManifests)).toEqual(expectedSelections);
  });

  it('open exactly the paths the deployment needs: the state store from core-sync, core-sync from the Ingress', () => {
    expect(reachabilityTable(baseManifests)).toEqual(expectedTable);
  });
});

const overlay = 'deployments/kubernetes-high-availability';

describe.runIf(commandIsInstalled('kubectl', ['version', '--client']))(
  `NetworkPolicies in ${overlay}`,
  () => {
    it('are the base policies, selecting the same pods and opening the same paths', () => {
      const result = runCommand('kubectl', ['kustomize', overlay]);
      expect(result.exitCode, result.stderr).toBe(0);
      const rendered = parseYamlDocuments(result.stdout, overlay).map((document) =>
        toManifest(document, overlay),
      );
      expect(selectedWorkloads(rendered)).toEqual(expectedSelections);
      expect(reachabilityTable(rendered)).toEqual(expectedTable);
    });
  },
);
