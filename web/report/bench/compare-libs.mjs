// Which chart library can zoom a month of minutes smoothly? Draws the same 4 series x 44,640
// points (a 31-day episode: load, capacity, active, active + warming) with uPlot and with ECharts
// in headless Chromium, then zooms 40 steps from the whole month to one hour and back, timing
// each step from the zoom call until the frame after the chart has drawn. Prints a table.
//
//   node web/report/bench/compare-libs.mjs [--points 44640] [--chromium /usr/bin/chromium]
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, reportUrl } from '../test/chromium.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const mod = (p) => join(here, '..', 'node_modules', p);
const argOf = (n, d) => { const i = process.argv.indexOf(`--${n}`); return i < 0 ? d : process.argv[i + 1]; };
const points = Number(argOf('points', 44640));

const libs = {
  uPlot: { js: readFileSync(mod('uplot/dist/uPlot.iife.min.js'), 'utf8'), css: readFileSync(mod('uplot/dist/uPlot.min.css'), 'utf8') },
  ECharts: { js: readFileSync(mod('echarts/dist/echarts.min.js'), 'utf8'), css: '' },
};

// The page: deterministic data, one chart, a zoom loop; results left in window.bench.
const harness = (lib, variant) => `
const N = ${points};
const x = new Float64Array(N), load = new Float64Array(N), cap = new Float64Array(N), act = new Float64Array(N), fleet = new Float64Array(N);
let s = 12345; const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
for (let i = 0; i < N; i++) {
  x[i] = i; load[i] = 5000 + 4000 * Math.sin(i / 1440 * 2 * Math.PI) + 300 * rnd();
  act[i] = Math.ceil(load[i] * 1.3 / 300); fleet[i] = act[i] + (rnd() < 0.1 ? 5 : 0); cap[i] = act[i] * (300 + 30 * (rnd() - 0.5));
}
const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
const windows = [];
for (let k = 0; k <= 20; k++) { const w = N * Math.pow(60 / N, k / 20); windows.push([N / 2 - w / 2, N / 2 + w / 2]); }
for (let k = 19; k >= 0; k--) windows.push(windows[k]);
async function run() {
  const el = document.getElementById('c');
  const t0 = performance.now();
  let zoom, drawn;
  ${lib === 'uPlot' ? `
  const u = new uPlot({ width: 1200, height: 320, scales: { x: { time: false } },
    series: [{}, { stroke: 'blue' }, { stroke: 'orange' }, { stroke: 'green' }, { stroke: 'gray' }] }, [x, load, cap, act, fleet], el);
  zoom = ([a, b]) => u.setScale('x', { min: a, max: b });
  drawn = () => Promise.resolve();` : `
  const chart = echarts.init(el, null, { renderer: 'canvas', width: 1200, height: 320 });
  const series = (d) => ({ type: 'line', data: Array.from(d, (v, i) => [i, v]), showSymbol: false, animation: false${variant === 'lttb' ? ", sampling: 'lttb'" : ''} });
  let done;
  chart.on('finished', () => done && done());
  drawn = () => new Promise((r) => { done = r; });
  const firstDrawn = drawn();
  chart.setOption({ animation: false, xAxis: { type: 'value', min: 0, max: N }, yAxis: { type: 'value' },
    dataZoom: [{ type: 'inside', xAxisIndex: 0, filterMode: 'none' }], series: [series(load), series(cap), series(act), series(fleet)] });
  await firstDrawn;
  zoom = ([a, b]) => chart.dispatchAction({ type: 'dataZoom', startValue: a, endValue: b });`}
  await frame();
  const first = performance.now() - t0;
  const steps = [];
  for (const w of windows) {
    window.progress = (window.progress || 0) + 1;
    const a = performance.now();
    const p = drawn();
    zoom(w);
    await p; await frame();
    steps.push(performance.now() - a);
  }
  steps.sort((p, q) => p - q);
  window.bench = { first, median: steps[steps.length >> 1], p95: steps[Math.floor(steps.length * 0.95)], max: steps[steps.length - 1] };
}
run().catch((e) => { window.bench = { error: String(e) }; });
`;

const dir = mkdtempSync(join(tmpdir(), 'autoscale-libbench-'));
const browser = await launchChromium(argOf('chromium', undefined));
const rows = [];
try {
  for (const [lib, variant] of [['uPlot', ''], ['ECharts', ''], ['ECharts', 'lttb']]) {
    const file = join(dir, `${lib}${variant}.html`);
    writeFileSync(file, `<!doctype html><meta charset="utf-8"><style>${libs[lib].css}</style><div id="c"></div>` +
      `<script>${libs[lib].js}</script><script>${harness(lib, variant)}</script>`);
    const page = await browser.newPage({ viewport: { width: 1300, height: 500 } });
    page.on('pageerror', (e) => console.error(`${lib}: page error: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') console.error(`${lib}: ${m.text()}`); });
    await page.goto(reportUrl(file));
    try {
      await page.waitForFunction(() => window.bench, null, { timeout: 300000 });
    } catch (e) {
      throw new Error(`${lib}${variant}: no result after 300 s (zoom step ${await page.evaluate(() => window.progress)})`);
    }
    const b = await page.evaluate(() => window.bench);
    if (b.error) throw new Error(`${lib}: ${b.error}`);
    rows.push({ lib: lib + (variant ? ` (sampling: ${variant})` : ''), kb: libs[lib].js.length / 1024, ...b });
    await page.close();
  }
} finally {
  await browser.close();
}
console.log(`4 series x ${points} points, 1200x320 canvas, headless Chromium (software rendering), 40 zoom steps month -> hour -> month`);
console.log('| library | minified JS | first draw | zoom step median | zoom step p95 | zoom step max |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.lib} | ${r.kb.toFixed(0)} KB | ${r.first.toFixed(0)} ms | ${r.median.toFixed(1)} ms | ${r.p95.toFixed(1)} ms | ${r.max.toFixed(1)} ms |`);
}
