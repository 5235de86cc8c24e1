// How long a report takes to open: from navigation start until every chart has drawn and the next
// frame is painted, in headless Chromium, over several fresh page loads. Prints one line of JSON.
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
    await page.close();
  }
} finally {
  await browser.close();
}
times.sort((a, b) => a - b);
console.log(JSON.stringify({
  file, bytes: statSync(file).size, charts, runs,
  open_ms_median: Math.round(times[times.length >> 1]), open_ms_max: Math.round(times[times.length - 1]), errors,
}));
