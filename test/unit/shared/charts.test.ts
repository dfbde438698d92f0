import { validate } from 'fast-xml-parser';
import { barChart, heatmap, intervalChart, lineChart, niceTicks } from '../../../functions/shared/charts';

describe('SVG charts', () => {
  it('draws one bar per value, longest for the largest, and escapes labels', () => {
    const svg = barChart({
      title: 'A <b>&',
      bars: [
        { label: 'x<script>', value: 10 },
        { label: 'y', value: 5 },
      ],
    });
    expect(svg).toMatch(/^<svg/);
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('x&lt;script&gt;');
    const widths = [...svg.matchAll(/<rect x="\d+" y="\d+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(2);
    expect(widths[0]).toBeGreaterThan(widths[1] ?? 0);
  });

  it('shortens labels too long for the chart with an ellipsis', () => {
    const svg = barChart({ title: 't', width: 300, bars: [{ label: 'a'.repeat(200), value: 1 }] });
    expect(svg).toContain('…');
    expect(svg).not.toContain('a'.repeat(100));
  });

  it('writes every count of a heatmap in its cell', () => {
    const svg = heatmap({
      title: 'h',
      rowLabels: ['r1', 'r2'],
      columnLabels: ['c1'],
      values: [[3], [7]],
      rowTitle: 'r',
      columnTitle: 'c',
    });
    expect(svg).toContain('>3</text>');
    expect(svg).toContain('>7</text>');
  });
});

/** XML well-formedness: the parser's validator, plus no bare `&` (which it lets through). */
function expectWellFormed(svg: string) {
  expect(validate(svg)).toBe(true);
  expect(svg).not.toMatch(/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/i);
}

describe('round axis ticks', () => {
  it('covers the range with steps of 1, 2, 2.5 or 5 times a power of ten', () => {
    expect(niceTicks(0, 0.037)).toEqual([0, 0.01, 0.02, 0.03, 0.04]);
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-1, 1)).toEqual([-1, -0.5, 0, 0.5, 1]);
  });

  it('widens an empty range instead of dividing by zero', () => {
    expect(niceTicks(0, 0)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    const ticks = niceTicks(5, 5);
    expect(ticks[0]).toBeLessThan(5);
    expect(ticks[ticks.length - 1]).toBeGreaterThan(5);
  });
});

describe('line chart', () => {
  const chart = (series: Parameters<typeof lineChart>[0]['series'], extra = {}) =>
    lineChart({ title: 'Share <over> time', xLabel: 'run', yLabel: 'share', series, ...extra });

  it('draws one line per series with a legend entry each, and is well-formed XML', () => {
    const svg = chart([
      {
        label: 'arm a',
        points: [
          { x: 0, y: 0.2 },
          { x: 1, y: 0.5 },
          { x: 2, y: 0.6 },
        ],
      },
      {
        label: 'arm b',
        points: [
          { x: 0, y: 0.8 },
          { x: 1, y: 0.5 },
          { x: 2, y: 0.4 },
        ],
        dashed: true,
      },
    ]);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg.match(/stroke-dasharray="6 4" points=/g)).toHaveLength(1);
    expect(svg).toContain('>arm a</text>');
    expect(svg).toContain('>arm b</text>');
    expect(svg).toContain('<title>Share &lt;over&gt; time</title>');
    expectWellFormed(svg);
  });

  it('places points in proportion to their values above the x axis', () => {
    const svg = chart(
      [
        {
          label: 'a',
          points: [
            { x: 0, y: 0.25 },
            { x: 1, y: 1 },
          ],
        },
      ],
      { yMin: 0, yMax: 1 },
    );
    const [p0, p1] = svg
      .match(/points="([^"]+)"/)![1]!
      .split(' ')
      .map((p) => p.split(',').map(Number));
    const axis = 44 + 280; // top margin + plot height: where y = 0 lies
    expect((axis - p0![1]!) / (axis - p1![1]!)).toBeCloseTo(0.25, 2);
    expect(p1![0]!).toBeGreaterThan(p0![0]!);
  });

  it('breaks a line at a non-finite value and never writes NaN', () => {
    const svg = chart([
      {
        label: 'a',
        points: [
          { x: 0, y: 1 },
          { x: 1, y: 2 },
          { x: 2, y: Number.NaN },
          { x: 3, y: 1 },
          { x: 4, y: 3 },
        ],
      },
    ]);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('says there is no data when no point is finite, without NaN', () => {
    const svg = chart([{ label: 'a', points: [] }], { emptyText: '暂无数据' });
    expect(svg).toContain('>暂无数据</text>');
    expect(svg).not.toMatch(/NaN|Infinity/);
    expectWellFormed(svg);
  });

  it('labels the x axis with the given ticks, dropping those that would overlap', () => {
    const xTicks = Array.from({ length: 40 }, (_, i) => ({ value: i, label: `2024-05-${i} 00:00` }));
    const svg = chart([{ label: 'a', points: xTicks.map((t) => ({ x: t.value, y: 1 })) }], { xTicks });
    const shown = [...svg.matchAll(/>(2024-05-\d+ 00:00)<\/text>/g)].map((m) => m[1]);
    expect(shown[0]).toBe('2024-05-0 00:00');
    expect(shown.length).toBeGreaterThan(2);
    expect(shown.length).toBeLessThan(40);
  });

  it('escapes Chinese labels with markup and keeps a CJK font in the list', () => {
    const svg = chart([{ label: '会员<专享>&"折扣"', points: [{ x: 0, y: 1 }] }], { yLabel: '占比' });
    expect(svg).toContain('会员&lt;专享&gt;&amp;&quot;折扣&quot;');
    expect(svg).toContain("'Noto Sans CJK SC'");
    expectWellFormed(svg);
  });

  it('drops characters that XML forbids', () => {
    const svg = chart([{ label: 'a\u0001b\u0008c', points: [{ x: 0, y: 1 }] }]);
    expect(svg).toContain('>abc</text>');
    expectWellFormed(svg);
  });
});

describe('interval chart', () => {
  const rows = [
    { label: 'control', value: 0.02, low: 0.01, high: 0.04 },
    { label: 'v1 <best>', value: 0.05, low: 0.03, high: 0.08 },
    { label: 'v2', value: 0.01, low: 0.002, high: 0.03, muted: true },
    { label: 'v3', value: Number.NaN, low: Number.NaN, high: Number.NaN },
  ];

  it('draws a point and an error bar per finite row, the reference line and the figures', () => {
    const svg = intervalChart({
      title: 'Posterior',
      rows,
      axisLabel: 'rate',
      reference: { value: 0.02, label: 'control mean' },
      format: (v) => `${(v * 100).toFixed(1)}%`,
    });
    expect(svg.match(/<circle /g)).toHaveLength(3);
    expect(svg).toContain('>5.0% [3.0%, 8.0%]</text>');
    expect(svg).toContain('>v1 &lt;best&gt;</text>');
    expect(svg).toContain('>control mean</text>');
    expect(svg).toContain('fill="#9a9a9a"');
    expect(svg).toContain('>—</text>');
    expect(svg).not.toMatch(/NaN|Infinity/);
    expectWellFormed(svg);
  });

  it('orders the points along the axis by value, left to right when horizontal', () => {
    const svg = intervalChart({ title: 't', rows: rows.slice(0, 3), axisLabel: 'rate' });
    const xs = [...svg.matchAll(/<circle cx="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(xs[1]).toBeGreaterThan(xs[0]!);
    expect(xs[0]).toBeGreaterThan(xs[2]!);
  });

  it('draws columns bottom to top when vertical', () => {
    const svg = intervalChart({
      title: 't',
      rows: rows.slice(0, 3),
      axisLabel: 'rate',
      orientation: 'vertical',
    });
    const points = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ]);
    expect(points).toHaveLength(3);
    expect(points[1]![0]).toBeGreaterThan(points[0]![0]!);
    // Higher values lie higher up, at smaller y.
    expect(points[1]![1]).toBeLessThan(points[0]![1]!);
    expectWellFormed(svg);
  });

  it('draws an empty chart for no rows without NaN', () => {
    const svg = intervalChart({ title: 't', rows: [], axisLabel: 'rate' });
    expect(svg).not.toMatch(/NaN|Infinity/);
    expectWellFormed(svg);
  });
});
