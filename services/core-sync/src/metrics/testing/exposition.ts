/**
 * A small reader of the Prometheus text exposition format (0.0.4) for the metrics tests: the samples with their
 * labels and values, the HELP and TYPE of each family, and the format problems found. No test-framework imports,
 * so it compiles with the service.
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamily {
  readonly help: string | undefined;
  readonly type: string | undefined;
}

export interface Exposition {
  readonly samples: readonly Sample[];
  readonly families: ReadonlyMap<string, MetricFamily>;
  /** Format problems, one sentence each; empty for well-formed text. */
  readonly problems: readonly string[];
}

const metricTypes = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const namePattern = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelNamePattern = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const sampleLinePattern = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;

export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const families = new Map<string, { help: string | undefined; type: string | undefined }>();
  const problems: string[] = [];
  const family = (name: string): { help: string | undefined; type: string | undefined } => {
    let found = families.get(name);
    if (found === undefined) {
      found = { help: undefined, type: undefined };
      families.set(name, found);
    }
    return found;
  };
  const seenSeries = new Set<string>();
  for (const [index, line] of text.split('\n').entries()) {
    const where = `line ${index + 1}`;
    if (line === '') continue;
    const comment = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (comment !== null) {
      const [, keyword = '', name = '', rest = ''] = comment;
      if (!namePattern.test(name)) problems.push(`${where}: metric name ${name} is not valid`);
      if (keyword === 'HELP') {
        if (rest.trim() === '') problems.push(`${where}: ${name} has an empty HELP`);
        family(name).help = rest;
      } else {
        if (!metricTypes.has(rest)) problems.push(`${where}: ${name} has an unknown TYPE ${rest}`);
        if (samples.some((sample) => familyName(sample.name, families) === name)) {
          problems.push(`${where}: TYPE of ${name} comes after its samples`);
        }
        family(name).type = rest;
      }
      continue;
    }
    if (line.startsWith('#')) continue;
    const match = sampleLinePattern.exec(line);
    if (match === null) {
      problems.push(`${where}: not a sample line: ${line}`);
      continue;
    }
    const [, name = '', labelText = '', valueText = ''] = match;
    const labels = parseLabels(labelText, where, problems);
    const value = parseValue(valueText);
    if (Number.isNaN(value) && valueText.toLowerCase() !== 'nan')
      problems.push(`${where}: value ${valueText} is not a number`);
    const seriesKey = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seenSeries.has(seriesKey)) problems.push(`${where}: series ${seriesKey} appears twice`);
    seenSeries.add(seriesKey);
    samples.push({ name, labels, value });
  }
  for (const sample of samples) {
    const owner = familyName(sample.name, families);
    const found = families.get(owner);
    if (found?.help === undefined) problems.push(`${sample.name} has no HELP`);
    if (found?.type === undefined) problems.push(`${sample.name} has no TYPE`);
  }
  return { samples, families, problems: [...new Set(problems)] };
}

/** The family a sample belongs to: histogram and summary samples carry a suffix. */
function familyName(sampleName: string, families: ReadonlyMap<string, MetricFamily>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!sampleName.endsWith(suffix)) continue;
    const base = sampleName.slice(0, -suffix.length);
    const type = families.get(base)?.type;
    if (type === 'histogram' || type === 'summary') return base;
  }
  return sampleName;
}

/** As Prometheus reads values (Go's ParseFloat): NaN and Inf in any letter case (prom-client writes `Nan`). */
function parseValue(text: string): number {
  const lowerCase = text.toLowerCase();
  if (lowerCase === 'nan') return Number.NaN;
  if (lowerCase === '+inf' || lowerCase === 'inf') return Number.POSITIVE_INFINITY;
  if (lowerCase === '-inf') return Number.NEGATIVE_INFINITY;
  return text.trim() === '' ? Number.NaN : Number(text);
}

function parseLabels(text: string, where: string, problems: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  let position = 0;
  while (position < text.length) {
    const equals = text.indexOf('="', position);
    if (equals === -1) {
      problems.push(`${where}: labels not in name="value" form: ${text}`);
      return labels;
    }
    const labelName = text.slice(position, equals);
    if (!labelNamePattern.test(labelName)) problems.push(`${where}: label name ${labelName} is not valid`);
    let value = '';
    let cursor = equals + 2;
    for (; cursor < text.length && text[cursor] !== '"'; cursor += 1) {
      const character = text[cursor];
      if (character === '\\') {
        cursor += 1;
        const escaped = text[cursor];
        value += escaped === 'n' ? '\n' : (escaped ?? '');
      } else {
        value += character;
      }
    }
    if (cursor >= text.length) problems.push(`${where}: unterminated label value in ${text}`);
    if (Object.hasOwn(labels, labelName)) problems.push(`${where}: label ${labelName} appears twice`);
    labels[labelName] = value;
    position = cursor + 1;
    if (text[position] === ',') position += 1;
  }
  return labels;
}

/** The samples named `name` whose labels include `labels`. */
export function samplesOf(
  exposition: Exposition,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Sample[] {
  return exposition.samples.filter(
    (sample) =>
      sample.name === name &&
      Object.entries(labels).every(([labelName, value]) => sample.labels[labelName] === value),
  );
}

/**
 * The series of `name` as `label=value,…` → value, labels in name order: a whole family in one object, so a
 * failing assertion shows every series that differs.
 */
export function seriesOf(
  exposition: Exposition,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Record<string, number> {
  const series: Record<string, number> = {};
  for (const sample of samplesOf(exposition, name, labels)) {
    const key = Object.entries(sample.labels)
      .sort(([left], [right]) => left.localeCompare(right))
      .map(([labelName, value]) => `${labelName}=${value}`)
      .join(',');
    series[key] = sample.value;
  }
  return series;
}
