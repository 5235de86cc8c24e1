// How long a report takes to open (from navigation start until every chart has drawn and the next
// frame is painted) and to zoom its linked timelines, in headless Chromium, over several fresh
// page loads. Prints one line of JSON.
//
//   node web/report/bench/open-time.mjs REPORT.html [--runs 5] [--chromium PATH]
import { statSync } from 'node:fs';
import { launchChromium, reportUrl } from '../test/chromium.mjs';

const file = process.argv[2];
if (!file) { console.error('usage: open-time.mjs REPORT.html [--runs N]'); process.exit(2); }
const argOf = (n, d) => { const i = process.argv.indexOf(`--${n}`); return i < 0 ? d : process.argv[i + 1]; };
const runs = Number(argOf('runs', 5));
const browser = await launchChromium(argOf('chromium', undefined));
const times = [];
const zoomSteps = [];
let visibleCharts = 0;
let charts = 0;
const errors = [];
try {
  for (let k = 0; k < runs; k++) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(reportUrl(file), { waitUntil: 'commit' });
    await page.waitForFunction(() => document.documentElement.dataset.ready, null, { timeout: 60000 });
    const t = await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(performance.now()))));
    charts = await page.evaluate(() => window.autoscaleReport.charts.length);
    times.push(t);
    // Linked zoom: 20 steps from the whole episode to an hour and back on the first timeline
    // chart, each timed until the next painted frame (every linked chart has redrawn by then).
    zoomSteps.push(...await page.evaluate(async () => {
      const charts = window.autoscaleReport.timeCharts;
      if (!charts.length) return [];
      const u = charts[0], x = u.data[0], lo = x[0], hi = x[x.length - 1], mid = (lo + hi) / 2;
      const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
      // with the first policy's panel at the top of the window, as a reader zooming would have it
      document.getElementById('fig-timeline:0').scrollIntoView();
      await new Promise((r) => setTimeout(r, 200));
      const visible = charts.filter((c) => { const b = c.root.getBoundingClientRect(); return b.bottom > 0 && b.top < innerHeight; }).length;
      const out = [];
      for (let k = 0; k <= 20; k++) {
        const f = k <= 10 ? k : 20 - k;
        const w = (hi - lo) * Math.pow(60 / (hi - lo), f / 10);
        const a = performance.now();
        u.setScale('x', { min: mid - w / 2, max: mid + w / 2 });
        await frame();
        out.push(performance.now() - a);
      }
      window.__visibleTimeCharts = visible;
      return out;
    }));
    visibleCharts = await page.evaluate(() => window.__visibleTimeCharts ?? 0);
    await page.close();
  }
} finally {
  await browser.close();
}
times.sort((a, b) => a - b);
zoomSteps.sort((a, b) => a - b);
console.log(JSON.stringify({
  file, bytes: statSync(file).size, charts, runs,
  open_ms_median: Math.round(times[times.length >> 1]), open_ms_max: Math.round(times[times.length - 1]),
  time_charts_in_view: visibleCharts, zoom_step_ms_median: Math.round(zoomSteps[zoomSteps.length >> 1]), zoom_step_ms_p95: Math.round(zoomSteps[Math.floor(zoomSteps.length * 0.95)]),
  errors,
}));
