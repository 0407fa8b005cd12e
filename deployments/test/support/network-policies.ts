/**
 * A small model of Kubernetes NetworkPolicy semantics, enough to ask of the shipped policies "may this peer open
 * a connection to that one on this port?" the way the API documents it: a pod selected by no policy of a type
 * is open for that type; a selected pod admits what at least one selecting policy's rules allow; a connection
 * between two pods needs the source's egress and the destination's ingress. Selectors with matchExpressions,
 * port ranges (endPort) and ipBlock exceptions are refused rather than guessed at: the shipped policies use
 * none of them.
 *
 * ipBlock is taken to match pods too (some plugins, Calico among them, match pod addresses against it), so a
 * wide ipBlock can never hide a path the assertions say is closed.
 */
import { BlockList, isIP } from 'node:net';
import { containers, podLabels, type Manifest } from './kubernetes-manifests.js';
import { field, isRecord, listField, recordField, stringField } from './repository.js';

export type Protocol = 'TCP' | 'UDP';

export interface Peer {
  readonly name: string;
  /** Undefined for an address outside the cluster. */
  readonly pod?: {
    readonly namespace: string;
    readonly namespaceLabels: Readonly<Record<string, string>>;
    readonly labels: Readonly<Record<string, string>>;
    /** Container port names → numbers, for named ports in policies. */
    readonly namedPorts: Readonly<Record<string, number>>;
  };
  readonly address: string;
}

export interface Connection {
  readonly source: Peer;
  readonly destination: Peer;
  readonly port: number;
  readonly protocol: Protocol;
}

interface Policy {
  readonly name: string;
  readonly namespace: string;
  readonly podSelector: Record<string, unknown>;
  readonly types: readonly string[];
  readonly ingress: readonly Record<string, unknown>[];
  readonly egress: readonly Record<string, unknown>[];
}

/** The NetworkPolicies among `manifests`, each in `defaultNamespace` unless it names its own. */
export function networkPolicies(manifests: readonly Manifest[], defaultNamespace: string): Policy[] {
  return manifests
    .filter((manifest) => manifest.kind === 'NetworkPolicy')
    .map((manifest) => {
      const spec = recordField(manifest.document, 'spec');
      const ingress = listField(spec, 'ingress').filter(isRecord);
      const egress = listField(spec, 'egress').filter(isRecord);
      const declaredTypes = listField(spec, 'policyTypes').filter((type) => typeof type === 'string');
      // Without policyTypes: Ingress always, Egress when there are egress rules.
      const types =
        declaredTypes.length > 0 ? declaredTypes : ['Ingress', ...(egress.length > 0 ? ['Egress'] : [])];
      return {
        name: manifest.name,
        namespace: stringField(recordField(manifest.document, 'metadata'), 'namespace') ?? defaultNamespace,
        podSelector: recordField(spec, 'podSelector'),
        types,
        ingress,
        egress,
      };
    });
}

/** A workload's pods as a peer: its pod template's labels and container ports. */
export function workloadPeer(workload: Manifest, namespace: string, address: string): Peer {
  const namedPorts: Record<string, number> = {};
  for (const container of containers(workload)) {
    for (const port of listField(container, 'ports')) {
      const name = stringField(port, 'name');
      const number = field(port, 'containerPort');
      if (name !== undefined && typeof number === 'number') namedPorts[name] = number;
    }
  }
  const labels = Object.fromEntries(
    Object.entries(podLabels(workload)).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );
  return {
    name: `${workload.kind}/${workload.name}`,
    pod: { namespace, namespaceLabels: { 'kubernetes.io/metadata.name': namespace }, labels, namedPorts },
    address,
  };
}

/** Whether a label selector (matchLabels only; empty selects everything) selects `labels`. */
export function selects(selector: unknown, labels: Readonly<Record<string, string>>): boolean {
  if (field(selector, 'matchExpressions') !== undefined) {
    throw new Error('matchExpressions are not modelled: extend network-policies.ts');
  }
  return Object.entries(recordField(selector, 'matchLabels')).every(([key, value]) => labels[key] === value);
}

function peerMatches(peerRule: Record<string, unknown>, peer: Peer, policyNamespace: string): boolean {
  const ipBlock = field(peerRule, 'ipBlock');
  if (ipBlock !== undefined) {
    if (listField(ipBlock, 'except').length > 0) throw new Error('ipBlock.except is not modelled');
    const [network = '', prefix = ''] = (stringField(ipBlock, 'cidr') ?? '').split('/');
    const family = isIP(network) === 6 ? 'ipv6' : 'ipv4';
    const block = new BlockList();
    block.addSubnet(network, Number(prefix), family);
    return isIP(peer.address) === isIP(network) && block.check(peer.address, family);
  }
  if (peer.pod === undefined) return false;
  const namespaceSelector = field(peerRule, 'namespaceSelector');
  const podSelector = field(peerRule, 'podSelector');
  const namespaceMatches =
    namespaceSelector === undefined
      ? peer.pod.namespace === policyNamespace
      : selects(namespaceSelector, peer.pod.namespaceLabels);
  return namespaceMatches && (podSelector === undefined || selects(podSelector, peer.pod.labels));
}

function portMatches(
  portRules: readonly unknown[],
  destination: Peer,
  port: number,
  protocol: Protocol,
): boolean {
  if (portRules.length === 0) return true;
  return portRules.some((rule) => {
    if (field(rule, 'endPort') !== undefined) throw new Error('endPort is not modelled');
    if ((stringField(rule, 'protocol') ?? 'TCP') !== protocol) return false;
    const rulePort = field(rule, 'port');
    if (rulePort === undefined) return true;
    if (typeof rulePort === 'number') return rulePort === port;
    if (typeof rulePort !== 'string') throw new Error('a port is a number or a port name');
    return destination.pod?.namedPorts[rulePort] === port;
  });
}

/** Whether the policies of `direction` let `connection` through on `pod`'s side (`pod` is its source or destination). */
function sideAllows(
  policies: readonly Policy[],
  direction: 'Ingress' | 'Egress',
  connection: Connection,
): boolean {
  const pod = direction === 'Ingress' ? connection.destination : connection.source;
  const other = direction === 'Ingress' ? connection.source : connection.destination;
  if (pod.pod === undefined) return true;
  const { namespace, labels } = pod.pod;
  const selecting = policies.filter(
    (policy) =>
      policy.namespace === namespace &&
      policy.types.includes(direction) &&
      selects(policy.podSelector, labels),
  );
  if (selecting.length === 0) return true;
  return selecting.some((policy) =>
    (direction === 'Ingress' ? policy.ingress : policy.egress).some((rule) => {
      const peers = listField(rule, direction === 'Ingress' ? 'from' : 'to').filter(isRecord);
      const peerAllowed =
        peers.length === 0 || peers.some((peerRule) => peerMatches(peerRule, other, namespace));
      return (
        peerAllowed &&
        portMatches(listField(rule, 'ports'), connection.destination, connection.port, connection.protocol)
      );
    }),
  );
}

/** Whether the policies let the source open the connection: its egress and the destination's ingress. */
export function connectionAllowed(policies: readonly Policy[], connection: Connection): boolean {
  return sideAllows(policies, 'Egress', connection) && sideAllows(policies, 'Ingress', connection);
}
