/**
 * docs/BENCHMARKS.md is written by the benchmarks: each one replaces its own section (between markers) and
 * leaves the others as they are, so the page always holds the latest run of each.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatLoadAverage, machineSummary, type MachineInfo } from './machine.js';

export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const reportPath = path.join(repositoryRoot, 'docs/BENCHMARKS.md');

export type SectionName =
  | 'snapshot'
  | 'lag'
  | 'catch-up'
  | 'sysbench'
  | 'bidirectional'
  | 'sysbench-bidirectional'
  | 'full-sync'
  | 'adoption'
  | 'many-tables'
  | 'sse-clients'
  | 'sse-memory';
const sectionOrder: readonly SectionName[] = [
  'snapshot',
  'lag',
  'catch-up',
  'sysbench',
  'bidirectional',
  'sysbench-bidirectional',
  'full-sync',
  'adoption',
  'many-tables',
  'sse-clients',
  'sse-memory',
];

const pageHeader = `# Benchmarks

Figures of core-sync measured by the scripts in [\`bench/\`](../bench/README.md). Each script rewrites its own
section below with the machine, the exact command and the date of its last run. Every section compares
figures measured **in the same run** on the same machine: the reference machine is a shared 2-core VM where
other sessions run their tests at the same time, so absolute numbers move a lot from run to run (each section
records the load average at its start and end); ratios measured side by side move less.

All servers are throw-away MariaDB sandboxes (\`services/core-sync/src/sandbox\`) on this one machine: binlog
ROW/FULL/FULL metadata, \`innodb_flush_log_at_trx_commit=2\`, \`sync_binlog=0\`, plus the benchmark's
own settings listed in each section. The service runs in a child process (\`bench/support/service-child.ts\`,
the same \`SyncService\` that \`main.ts\` runs, compiled to JavaScript as in production) so its memory and CPU are
its own; the benchmark process drives the load and takes the measurements.
`;

function markers(section: SectionName): { start: string; end: string } {
  return { start: `<!-- bench:${section}:start -->`, end: `<!-- bench:${section}:end -->` };
}

function placeholder(section: SectionName): string {
  const { start, end } = markers(section);
  return `${start}\n_Not run yet: \`npm run bench -- ${section}\`._\n${end}`;
}

/** Replaces one section of docs/BENCHMARKS.md (creating the page or the section when missing). */
export async function writeReportSection(section: SectionName, body: string): Promise<void> {
  let page = existsSync(reportPath) ? await readFile(reportPath, 'utf8') : '';
  if (page.trim() === '') {
    page = `${pageHeader}\n${sectionOrder.map(placeholder).join('\n\n')}\n`;
  }
  const { start, end } = markers(section);
  const replacement = `${start}\n${body.trim()}\n${end}`;
  const startIndex = page.indexOf(start);
  const endIndex = page.indexOf(end);
  if (startIndex >= 0 && endIndex > startIndex) {
    page = page.slice(0, startIndex) + replacement + page.slice(endIndex + end.length);
  } else {
    const position = sectionOrder.indexOf(section);
    const laterSection = sectionOrder
      .slice(position + 1)
      .map((name) => page.indexOf(markers(name).start))
      .find((index) => index >= 0);
    // Else right after the nearest earlier section, ahead of any text written by hand below the sections.
    const earlierSectionEnd = sectionOrder
      .slice(0, position)
      .reverse()
      .map((name) => {
        const endIndex = page.indexOf(markers(name).end);
        return endIndex < 0 ? -1 : endIndex + markers(name).end.length;
      })
      .find((index) => index >= 0);
    if (laterSection !== undefined) {
      page = `${page.slice(0, laterSection)}${replacement}\n\n${page.slice(laterSection)}`;
    } else if (earlierSectionEnd !== undefined) {
      page = `${page.slice(0, earlierSectionEnd)}\n\n${replacement}${page.slice(earlierSectionEnd)}`;
    } else {
      page = `${page.trimEnd()}\n\n${replacement}\n`;
    }
  }
  await writeFile(reportPath, page);
}

/** The lines every section starts with: when, on what, with which command. */
export function runContext(machine: MachineInfo, command: string, extra: readonly string[] = []): string {
  const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  return [
    `- Run: ${date}, \`${command}\``,
    `- Machine: ${machineSummary(machine)}`,
    `- Load average (1 / 5 / 15 min) at the start: ${formatLoadAverage(machine.loadAverageAtStart)}, at the end: ${formatLoadAverage()}` +
      ' (other work shares this machine)',
    ...extra.map((line) => `- ${line}`),
  ].join('\n');
}

/** A Markdown table. */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The command line that started this process, as someone would type it (`npm run bench -- …` when npm did). */
export function invokedCommand(): string {
  const script = path.relative(repositoryRoot, process.argv[1] ?? '');
  const scriptArguments = process.argv.slice(2);
  const nodeCommand = ['node --import tsx', script, ...scriptArguments].join(' ');
  if (process.env.npm_lifecycle_event !== 'bench') return nodeCommand;
  return ['npm run bench', ...(scriptArguments.length > 0 ? ['--', ...scriptArguments] : [])].join(' ');
}
