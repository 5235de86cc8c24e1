// Browser test of `autoscale report`: builds a small real report (train, evaluate with minute
// traces, report), opens it in headless Chromium and checks that
//   - every chart drew data (coloured pixels in its plot area, not an empty canvas),
//   - a drag-zoom on one timeline chart sets the same window on every other timeline chart,
//   - a wheel zoom does too, and a double-click restores the whole episode,
//   - the page logged no console error and threw nothing;
// then saves a full-page screenshot, and checks that `report --png` writes an image per figure.
//
//   node browser-test.mjs --cli build/release/autoscale --work DIR --screenshot FILE [--chromium PATH]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import assert from 'node:assert/strict';
import { launchChromium, reportUrl } from './chromium.mjs';
import { arg, check, results } from './harness.mjs';


const cli = resolve(arg('cli'));
const workRoot = resolve(arg('work'));
const screenshot = resolve(arg('screenshot'));
const chromium = arg('chromium', process.env.AUTOSCALE_CHROMIUM || '/usr/bin/chromium');
mkdirSync(workRoot, { recursive: true });
const work = mkdtempSync(join(workRoot, 'report-browser-'));

const run = (...args) => execFileSync(cli, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });


// Inputs: a two-day seed scenario keeps training and the oracles' dynamic programs quick.
writeFileSync(join(work, 'short.toml'), 'name = "seed-2d"\n[service]\nmax_time_steps = 2880\n[load]\nkind = "seed"\n');
writeFileSync(join(work, 'ppo.toml'), '[ppo]\npreset = "default"\nvalidation_episodes = 4\nvalidation_every_steps = 20000\ncheckpoint_every_steps = 1000000\n');
const scenario = join(work, 'short.toml');
run('train', '--scenario', scenario, '--seed', '0', '--steps', '120000', '--out', join(work, 'train'), '--config', join(work, 'ppo.toml'), '--threads', '2');
run('evaluate', '--scenario', scenario, '--seed', '5000000', '--episodes', '8', '--threads', '2',
  '--policies', `ppo:${join(work, 'train', 'best')},hpa,headroom,static:40,oracle-load,oracle`,
  '--json', join(work, 'eval.json'), '--trace-out', join(work, 'traces.csv'), '--keep-traces', '2');
const page = join(work, 'report.html');
run('report', '--eval', join(work, 'eval.json'), '--traces', join(work, 'traces.csv'), '--train', join(work, 'train'),
  '--scenario', scenario, '--out', page);
console.log(`report: ${page} (${(statSync(page).size / 1e6).toFixed(2)} MB)`);

const browser = await launchChromium(chromium);
try {
  const tab = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = [];
  tab.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  tab.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  tab.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  await tab.goto(reportUrl(page));
  await tab.waitForFunction(() => document.documentElement.dataset.ready, null, { timeout: 20000 });
  const readyState = await tab.evaluate(() => document.documentElement.dataset.ready);
  check('the page finished drawing', () => assert.equal(readyState, '1', 'data-ready is not 1 (the page shows an error)'));

  // Ink per chart: pixels in the plot area whose colour is saturated (series, bands, boxes), which
  // leaves out the grey grid and axes. A chart whose data is all zero or missing may stay blank.
  const charts = await tab.evaluate(() => window.autoscaleReport.charts.map(({ id, kind, u }) => {
    const { left, top, width, height } = u.bbox;
    const px = u.ctx.getImageData(left, top, width, height).data;
    let ink = 0;
    for (let i = 0; i < px.length; i += 4) {
      const mx = Math.max(px[i], px[i + 1], px[i + 2]), mn = Math.min(px[i], px[i + 1], px[i + 2]);
      if (px[i + 3] > 60 && mx - mn > 40) ink++;
    }
    let values = 0;
    for (let s = 1; s < u.data.length; s++) for (const v of u.data[s]) if (v !== null && Number.isFinite(v) && v !== 0) values++;
    return { id, kind, ink, values, points: u.data[0].length };
  }));
  const ids = charts.map((c) => c.id);
  check('the report has its charts', () => {
    for (const want of ['scenario-samples', 'profits', 'paired', 'training', 'timeline:0:load', 'timeline:0:fleet', 'timeline:0:decisions']) {
      assert.ok(ids.includes(want), `no chart '${want}' among ${ids.join(', ')}`);
    }
    const timelines = ids.filter((id) => id.endsWith(':load')).length;
    assert.equal(timelines, 6, 'one timeline per evaluated policy');
  });
  const costs = await tab.evaluate(() => [...document.querySelectorAll('#costs-table tbody tr')].map(
    (tr) => [...tr.children].map((td) => td.textContent)));
  check('the profit parts and elasticity table has a row per policy, with numbers', () => {
    assert.equal(costs.length, 6, `${costs.length} rows`);
    for (const row of costs) {
      assert.equal(row.length, 10);
      for (const cell of row.slice(1)) assert.ok(/^[-0-9.,]+$/.test(cell.replace(/\u2212/g, '-')), `cell '${cell}' in ${row[0]}`);
    }
  });
  for (const c of charts) {
    check(`chart ${c.id} drew its data`, () => {
      if (c.kind !== 'box') assert.ok(c.values > 0 || c.id.endsWith(':decisions'), `${c.id} holds no data`);
      // A strip with a single decision draws one thin bar; every other chart draws lines or boxes.
      const need = c.kind === 'box' ? 150 : Math.min(150, 10 * c.values);
      if (c.kind === 'box' || c.values > 0) assert.ok(c.ink >= need, `${c.id}: only ${c.ink} coloured pixels for ${c.values} values`);
    });
  }
  const acting = charts.filter((c) => c.id.endsWith(':decisions') && c.values > 0);
  check('policies that act have decisions drawn', () => assert.ok(acting.length >= 3, `${acting.length} decision strips with data`));

  // Linked zoom: drag across the middle of the first policy's load chart.
  // The window each chart shows, or will show once scrolled into view (charts out of view apply a
  // new window lazily; checked below by scrolling to one).
  const xRanges = () => tab.evaluate(() => window.autoscaleReport.timeCharts.map((u) => {
    const w = window.autoscaleReport.xWindow(u);
    return [w.min, w.max];
  }));
  const shown = (id) => tab.evaluate((id) => {
    const u = window.autoscaleReport.charts.find((c) => c.id === id).u;
    return [u.scales.x.min, u.scales.x.max];
  }, id);
  const before = await xRanges();
  const over = tab.locator('[data-chart-id="timeline:0:load"] .u-over');
  await over.scrollIntoViewIfNeeded();
  const box = await over.boundingBox();
  await tab.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
  await tab.mouse.down();
  await tab.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2, { steps: 5 });
  await tab.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 });
  await tab.mouse.up();
  await tab.waitForTimeout(100);
  const dragged = await xRanges();
  check('drag-zooming one timeline chart moves every other timeline chart', () => {
    const [min, max] = dragged[0];
    assert.ok(max - min < 0.3 * (before[0][1] - before[0][0]), `window ${min}..${max} is not a zoom of ${before[0]}`);
    dragged.forEach(([a, b], k) => assert.ok(Math.abs(a - min) < 1e-6 && Math.abs(b - max) < 1e-6, `chart ${k} shows ${a}..${b}, not ${min}..${max}`));
  });
  const far = tab.locator('[data-chart-id="timeline:5:decisions"] .u-over');
  await far.scrollIntoViewIfNeeded();
  await tab.waitForTimeout(200);
  const farShown = await shown('timeline:5:decisions');
  check('a chart out of view shows the zoomed window once scrolled to', () => assert.deepEqual(farShown, dragged[0]));
  const other = tab.locator('[data-chart-id="timeline:3:fleet"] .u-over');
  await other.scrollIntoViewIfNeeded();
  const obox = await other.boundingBox();
  await tab.mouse.move(obox.x + obox.width / 2, obox.y + obox.height / 2);
  await tab.mouse.wheel(0, -300);
  await tab.waitForTimeout(150);
  const wheeled = await xRanges();
  check('wheel-zooming another chart narrows all of them together', () => {
    const w0 = dragged[0][1] - dragged[0][0], w1 = wheeled[0][1] - wheeled[0][0];
    assert.ok(w1 < w0, `width ${w1} not below ${w0}`);
    wheeled.forEach(([a, b], k) => assert.ok(a === wheeled[0][0] && b === wheeled[0][1], `chart ${k} not linked`));
  });
  await tab.mouse.dblclick(obox.x + obox.width / 2, obox.y + obox.height / 2);
  await tab.waitForTimeout(150);
  const reset = await xRanges();
  check('double-click restores the whole episode everywhere', () => {
    reset.forEach(([a, b], k) => assert.deepEqual([a, b], before[k], `chart ${k}`));
  });
  // The episode selector redraws every timeline with the other episode's data.
  const firstLoad = await tab.evaluate(() => Array.from(window.autoscaleReport.timeCharts[0].data[1].slice(0, 50)));
  await tab.selectOption('#episode-select', '1');
  const secondLoad = await tab.evaluate(() => Array.from(window.autoscaleReport.timeCharts[0].data[1].slice(0, 50)));
  check('choosing another episode redraws the timelines', () => assert.notDeepEqual(firstLoad, secondLoad));

  await tab.selectOption('#episode-select', '0');
  await tab.evaluate(() => window.scrollTo(0, 0));
  await tab.screenshot({ path: screenshot, fullPage: true });
  console.log(`screenshot: ${screenshot}`);
  check('no console errors', () => assert.deepEqual(errors, []));
} finally {
  await browser.close();
}
// --png: every figure as an image, drawn by the same page in headless Chromium.
run('report', '--eval', join(work, 'eval.json'), '--traces', join(work, 'traces.csv'), '--train', join(work, 'train'),
  '--scenario', scenario, '--out', page, '--png', join(work, 'png'), '--png-window', '600:1200');
check('--png writes one image per figure', () => {
  const want = ['summary', 'costs', 'scenario', 'profits', 'paired', 'training', ...Array.from({ length: 6 }, (_, k) => `timeline-${k}`)];
  for (const name of want) {
    const png = readFileSync(join(work, 'png', `${name}.png`));
    assert.equal(png.subarray(1, 4).toString(), 'PNG', `${name}.png is not a PNG`);
    assert.equal(png.readUInt32BE(16), 1200, `${name}.png is not 1200 pixels wide`);
    assert.ok(png.readUInt32BE(20) > 150 && png.length > 10000, `${name}.png is ${png.readUInt32BE(20)} pixels high, ${png.length} bytes`);
  }
});

if (!results.failures) rmSync(work, { recursive: true, force: true });
else console.log(`inputs kept in ${work}`);
console.log(`${results.passes} passed, ${results.failures} failed`);
process.exit(results.failures ? 1 : 0);
