/**
 * Apache ECharts with only what the console draws (bar, line, scatter, custom error bars),
 * rendered as SVG: crisp in screenshots and light on memory. Loaded as its own chunk.
 */
import { BarChart, CustomChart, LineChart, ScatterChart } from 'echarts/charts';
import {
  DatasetComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TitleComponent,
  TooltipComponent,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import type { Lang } from './i18n';

echarts.use([
  BarChart,
  LineChart,
  ScatterChart,
  CustomChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  TitleComponent,
  DatasetComponent,
  MarkLineComponent,
  SVGRenderer,
]);

const font =
  'system-ui, -apple-system, "Segoe UI", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif';

/** A chart on `element`, with the console's font and the language's built-in labels. */
export function init(element: HTMLElement, lang: Lang) {
  const chart = echarts.init(element, undefined, { renderer: 'svg', locale: lang === 'zh' ? 'ZH' : 'EN' });
  return {
    // biome-ignore lint/suspicious/noExplicitAny: ECharts options are loosely typed objects.
    setOption: (option: Record<string, any>, notMerge: boolean) =>
      chart.setOption({ textStyle: { fontFamily: font }, animation: false, ...option }, notMerge),
    resize: () => chart.resize(),
    dispose: () => chart.dispose(),
  };
}
