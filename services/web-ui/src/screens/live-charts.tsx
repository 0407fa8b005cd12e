import { useEffect, useRef, type ReactNode } from 'react';
import uPlot from 'uplot';
import type { DirectionName } from '../api/types';
import { formatDirection } from '../logic/format';
import type { Sample } from '../live/live-state';

/** The chart window: the last five minutes. */
const windowSeconds = 5 * 60;

const seriesColours: Record<DirectionName, string> = {
  local_to_cloud: '#2f6fdf',
  cloud_to_local: '#d9822b',
};

export interface ChartSeries {
  readonly direction: DirectionName;
  readonly samples: readonly Sample[];
}

/**
 * Aligns the directions' samples on whole seconds (uPlot wants one x array): the x values are the seconds that
 * have a sample in any direction, each direction null where it has none.
 */
export function alignSamples(
  series: readonly ChartSeries[],
  pick: (sample: Sample) => number | null,
  now: number,
): uPlot.AlignedData {
  const oldest = Math.floor(now / 1000) - windowSeconds;
  const bySecond = series.map((entry) => {
    const values = new Map<number, number | null>();
    for (const sample of entry.samples) {
      const second = Math.floor(sample.time / 1000);
      if (second >= oldest) values.set(second, pick(sample));
    }
    return values;
  });
  const seconds = [...new Set(bySecond.flatMap((values) => [...values.keys()]))].sort(
    (first, second) => first - second,
  );
  return [seconds, ...bySecond.map((values) => seconds.map((second) => values.get(second) ?? null))];
}

/** A small live line chart (uPlot draws on a canvas: cheap at one sample a second per direction). */
export function LiveChart(props: {
  readonly title: string;
  readonly unit: string;
  readonly series: readonly ChartSeries[];
  readonly pick: (sample: Sample) => number | null;
  readonly now: number;
}): ReactNode {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const seriesKey = props.series.map((entry) => entry.direction).join(',');
  const data = alignSamples(props.series, props.pick, props.now);

  useEffect(() => {
    const element = container.current;
    if (element === null) return;
    const options: uPlot.Options = {
      width: Math.max(200, element.clientWidth),
      height: 180,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true },
        y: { range: (_plot, _minimum, maximum) => [0, Math.max(1, maximum) * 1.1] },
      },
      axes: [
        {
          stroke: 'currentColor',
          grid: { stroke: 'rgba(127,127,127,0.15)' },
          values: (_plot, splits) =>
            splits.map((seconds) =>
              new Date(seconds * 1000).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' }),
            ),
        },
        {
          stroke: 'currentColor',
          grid: { stroke: 'rgba(127,127,127,0.15)' },
          size: 60,
          label: props.unit,
        },
      ],
      series: [
        {},
        ...seriesKey
          .split(',')
          .filter((name) => name !== '')
          .map((name) => ({
            label: formatDirection(name),
            stroke: seriesColours[name as DirectionName],
            width: 2,
            spanGaps: true,
            points: { show: false },
          })),
      ],
    };
    const created = new uPlot(options, [[]], element);
    plot.current = created;
    const resize = new ResizeObserver(() => {
      created.setSize({ width: Math.max(200, element.clientWidth), height: 180 });
    });
    resize.observe(element);
    return () => {
      resize.disconnect();
      created.destroy();
      plot.current = null;
    };
  }, [seriesKey, props.unit]);

  useEffect(() => {
    const current = plot.current;
    if (current === null) return;
    current.setData(data);
    // The axis always spans the whole window, so the chart reads the same with one sample or three hundred.
    const windowEnd = Math.floor(props.now / 1000);
    current.setScale('x', { min: windowEnd - windowSeconds, max: windowEnd });
  });

  return (
    <figure className="chart">
      <figcaption>{props.title}</figcaption>
      <div
        ref={container}
        className="chart-canvas"
        role="img"
        aria-label={`${props.title}, last 5 minutes`}
      />
    </figure>
  );
}
