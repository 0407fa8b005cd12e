/**
 * The runs of the event-stream memory benchmark: each phase's clients, caps and tokens, what a phase's run found,
 * and what the caps should admit of a phase's attempts.
 */
import type { StreamClientMode } from '../support/raw-stream-client.js';
import { maximum } from '../support/stats.js';
import type { MemorySample, StreamLoad, StreamMemoryReport } from '../support/stream-memory-protocol.js';

const defaultCaps = { maxClients: 100, maxClientsPerToken: 10 };
/** Tokens the default-caps run spreads its attempts over, one token after the other. */
export const tokensForDefaultCaps = 20;
/** How long a stalled run goes on after its last stalled client was cut off. */
export const settleMs = 15_000;

export interface Phase {
  readonly name: string;
  readonly mode: StreamClientMode | 'none';
  readonly clients: number;
  readonly maxClients: number;
  readonly maxClientsPerToken: number;
  /** The attempts use this many tokens, in turn: the first token for the first share, and so on. */
  readonly tokenCount: number;
  /** Run until no client is left (stalled clients), rather than for a fixed time. */
  readonly untilCut: boolean;
  /** Off: only the byte bound cuts stalled clients off (the worst case it allows). */
  readonly stallTimeout: boolean;
}

export interface PhaseResult {
  readonly phase: Phase;
  readonly baselineRssKib: number;
  readonly peakRssKib: number;
  readonly samples: readonly MemorySample[];
  readonly report: StreamMemoryReport;
  readonly accepted: number;
  readonly refusedByCap: Readonly<Record<string, number>>;
  /** Reading clients the service ended. */
  readonly readersEnded: number;
  readonly bytesPerReader: readonly number[];
  /** From the last client opened until no stream was left; undefined when some were left at the end. */
  readonly allCutAfterMs: number | undefined;
}

export interface Settings {
  readonly clients: number;
  readonly load: StreamLoad;
  readonly seconds: number;
  readonly maxSeconds: number;
}

export function phasesOf(settings: Settings): Phase[] {
  const raised = { maxClients: settings.clients, maxClientsPerToken: settings.clients };
  const base = { clients: settings.clients, tokenCount: 1 };
  const stalled = { mode: 'stall', untilCut: true } as const;
  return [
    {
      name: 'no clients',
      mode: 'none',
      ...base,
      clients: 0,
      ...defaultCaps,
      untilCut: false,
      stallTimeout: true,
    },
    {
      name: `${settings.clients} reading, caps raised`,
      mode: 'read',
      ...base,
      ...raised,
      untilCut: false,
      stallTimeout: true,
    },
    { name: `${settings.clients} stalled, caps raised`, ...stalled, ...base, ...raised, stallTimeout: true },
    {
      name: `${settings.clients} stalled, caps raised, no stall timeout`,
      ...stalled,
      ...base,
      ...raised,
      stallTimeout: false,
    },
    {
      name: `${settings.clients} stalled, default caps`,
      ...stalled,
      clients: settings.clients,
      tokenCount: tokensForDefaultCaps,
      ...defaultCaps,
      stallTimeout: true,
    },
  ];
}

export function peakOf(result: PhaseResult, field: 'rssBytes' | 'heapUsedBytes' | 'externalBytes'): number {
  return maximum(result.samples.map((sample) => sample[field]));
}

/** What the caps should do to the phase's attempts, none of which ends before the last is made. */
export function expectedAdmissions(phase: Phase): { accepted: number; perToken: number; global: number } {
  const perTokenAttempts = Math.ceil(phase.clients / phase.tokenCount);
  const open = new Map<number, number>();
  const counts = { accepted: 0, perToken: 0, global: 0 };
  for (let attempt = 0; attempt < phase.clients; attempt += 1) {
    const token = Math.floor(attempt / perTokenAttempts);
    const ofToken = open.get(token) ?? 0;
    if (ofToken >= phase.maxClientsPerToken) counts.perToken += 1;
    else if (counts.accepted >= phase.maxClients) counts.global += 1;
    else {
      counts.accepted += 1;
      open.set(token, ofToken + 1);
    }
  }
  return counts;
}
