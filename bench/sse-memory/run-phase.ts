/**
 * One phase of the event-stream memory benchmark in a fresh API child: its clients opened one after the other,
 * then held for a fixed time or until the service has cut every stalled one off, memory sampled throughout.
 */
import { RawStreamClient } from '../support/raw-stream-client.js';
import { sleep } from '../support/stats.js';
import { StreamMemoryProcess } from '../support/stream-memory-process.js';
import { settleMs, tokensForDefaultCaps, type Phase, type PhaseResult, type Settings } from './phases.js';
import { describePhase } from './report.js';

/** "No stall timeout": longer than any run (the longest timer Node.js supports is about 24 days). */
const noStallTimeoutMs = 24 * 60 * 60 * 1000;

async function openClients(
  phase: Phase,
  port: number,
  tokens: readonly string[],
): Promise<RawStreamClient[]> {
  const clients: RawStreamClient[] = [];
  if (phase.mode === 'none') return clients;
  const perToken = Math.ceil(phase.clients / tokens.length);
  for (let index = 0; index < phase.clients; index += 1) {
    const token = tokens[Math.floor(index / perToken)] ?? '';
    clients.push(await RawStreamClient.open(port, token, phase.mode));
  }
  return clients;
}

async function waitForEnd(
  phase: Phase,
  child: StreamMemoryProcess,
  settings: Settings,
): Promise<number | undefined> {
  const startedAt = performance.now();
  if (!phase.untilCut) {
    await sleep(settings.seconds * 1000);
    return undefined;
  }
  while (performance.now() - startedAt < settings.maxSeconds * 1000) {
    await sleep(500);
    if (child.latest?.clients === 0) {
      const allCutAfterMs = performance.now() - startedAt;
      await sleep(settleMs);
      return allCutAfterMs;
    }
  }
  return undefined;
}

export async function runPhase(phase: Phase, settings: Settings): Promise<PhaseResult> {
  const child = await StreamMemoryProcess.spawn();
  try {
    const baselineRssKib = (await child.memory()).rssKib;
    const { port, adminToken, readOnlyTokens } = await child.start({
      maxClients: phase.maxClients,
      maxClientsPerToken: phase.maxClientsPerToken,
      readOnlyTokenCount: tokensForDefaultCaps,
      load: settings.load,
      ...(phase.stallTimeout ? {} : { stallTimeoutMs: noStallTimeoutMs }),
      tickMs: 100,
      sampleIntervalMs: 1000,
    });
    const tokens = phase.tokenCount === 1 ? [adminToken] : readOnlyTokens.slice(0, phase.tokenCount);
    const clients = await openClients(phase, port, tokens);
    const accepted = clients.filter((client) => client.status === 200);
    const refusedByCap: Record<string, number> = {};
    for (const client of clients) {
      const cap = client.errorBody.error?.details?.cap;
      if (client.status === 429 && cap !== undefined) refusedByCap[cap] = (refusedByCap[cap] ?? 0) + 1;
    }
    console.log(
      `  ${phase.name}: ${accepted.length} streams open, ${clients.length - accepted.length} refused ` +
        `(${JSON.stringify(refusedByCap)})`,
    );
    const allCutAfterMs = await waitForEnd(phase, child, settings);
    const peakRssKib = (await child.memory()).peakRssKib;
    const readersEnded =
      phase.mode === 'read' ? accepted.filter((client) => client.closedByServer).length : 0;
    const bytesPerReader = phase.mode === 'read' ? accepted.map((client) => client.bytesReceived) : [];
    for (const client of clients) client.close();
    const report = await child.stop();
    const result = {
      phase,
      baselineRssKib,
      peakRssKib,
      samples: child.samples,
      report,
      accepted: accepted.length,
      refusedByCap,
      readersEnded,
      bytesPerReader,
      allCutAfterMs,
    };
    console.log(`  ${phase.name}: ${describePhase(result)}`);
    return result;
  } finally {
    child.kill();
  }
}
