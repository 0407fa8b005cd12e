/**
 * What the shipped NetworkPolicies let through, as one line per connection: the workloads of the manifests (their
 * own pod labels and ports), the peers a cluster puts around them (an ingress-nginx controller, Prometheus, DNS,
 * pods that are none of ours) and addresses outside the cluster. A test compares the lines with the intended
 * table, so a renamed label, a missing rule or a rule too wide shows as the line that changed.
 */
import { findManifest, type Manifest } from './kubernetes-manifests.js';
import {
  connectionAllowed,
  networkPolicies,
  workloadPeer,
  type Peer,
  type Protocol,
} from './network-policies.js';

function clusterPod(
  name: string,
  namespace: string,
  labels: Record<string, string>,
  address: string,
  namedPorts: Record<string, number> = {},
): Peer {
  return {
    name,
    pod: { namespace, namespaceLabels: { 'kubernetes.io/metadata.name': namespace }, labels, namedPorts },
    address,
  };
}

function outside(name: string, address: string): Peer {
  return { name, address };
}

/** The peers around the deployment, as the usual installations label them. */
export const surroundings = {
  ingressController: clusterPod(
    'ingress-nginx controller',
    'ingress-nginx',
    {
      'app.kubernetes.io/name': 'ingress-nginx',
      'app.kubernetes.io/component': 'controller',
      'app.kubernetes.io/instance': 'ingress-nginx',
    },
    '10.244.1.5',
  ),
  prometheus: clusterPod(
    'Prometheus',
    'monitoring',
    { 'app.kubernetes.io/name': 'prometheus', 'app.kubernetes.io/instance': 'k8s' },
    '10.244.2.9',
  ),
  dns: clusterPod('CoreDNS', 'kube-system', { 'k8s-app': 'kube-dns' }, '10.244.0.2', { dns: 53 }),
  // A pod that is none of ours, in the namespace (`kubectl run debug`) and in another one.
  podInNamespace: clusterPod('a debug pod in the namespace', '', { run: 'debug' }, '10.244.3.3'),
  podElsewhere: clusterPod('a pod of another namespace', 'shop', { app: 'shop' }, '10.244.3.4'),
  databaseV4: outside('a database at 203.0.113.10', '203.0.113.10'),
  databaseV6: outside('a database at 2001:db8::10', '2001:db8::10'),
  internet: outside('a client on the internet', '198.51.100.7'),
};

interface Probe {
  readonly source: Peer;
  readonly destination: Peer;
  readonly port: number;
  readonly protocol?: Protocol;
}

/** `source → destination:port/protocol: allowed|refused` for each probe, through the policies of `manifests`. */
export function reachability(
  manifests: readonly Manifest[],
  namespace: string,
  probes: readonly Probe[],
): string[] {
  const policies = networkPolicies(manifests, namespace);
  return probes.map(({ source, destination, port, protocol = 'TCP' }) => {
    const allowed = connectionAllowed(policies, { source, destination, port, protocol });
    return `${source.name} → ${destination.name}:${port}/${protocol}: ${allowed ? 'allowed' : 'refused'}`;
  });
}

/** The workloads of `manifests` as peers in `namespace` (the debug pod moved there too). */
export function deploymentPeers(manifests: readonly Manifest[], namespace: string) {
  const pod = surroundings.podInNamespace.pod;
  return {
    coreSync: workloadPeer(findManifest(manifests, 'Deployment', 'core-sync'), namespace, '10.244.0.10'),
    stateDb: workloadPeer(findManifest(manifests, 'StatefulSet', 'state-db'), namespace, '10.244.0.11'),
    webUi: workloadPeer(findManifest(manifests, 'Deployment', 'web-ui'), namespace, '10.244.0.12'),
    podInNamespace: {
      ...surroundings.podInNamespace,
      pod:
        pod === undefined
          ? undefined
          : { ...pod, namespace, namespaceLabels: { 'kubernetes.io/metadata.name': namespace } },
    },
  };
}
