// Browser test of the fleet page (`autoscale fleet merge` writes OUT/fleet.html): runs a small real
// fleet (two trace services trained briefly, a third left pending), merges it, opens the page in
// headless Chromium and checks that
//   - the forest plot has a learned and a deployed interval for each finished service, placed on
//     the side of the zero line their means are on,
//   - the table lists every service, the pending one as pending without a report link, and each
//     finished one's link opens its own report,
//   - the page logged no console error and threw nothing; then saves a screenshot.
//
//   node fleet-browser-test.mjs --cli build/release/autoscale --source . --work DIR --screenshot FILE
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import assert from 'node:assert/strict';
import { launchChromium, reportUrl } from './chromium.mjs';
import { arg, check, results } from './harness.mjs';

const cli = resolve(arg('cli'));
const source = resolve(arg('source'));
const workRoot = resolve(arg('work'));
const screenshot = resolve(arg('screenshot'));
const chromium = arg('chromium', process.env.AUTOSCALE_CHROMIUM || '/usr/bin/chromium');
mkdirSync(workRoot, { recursive: true });
const work = mkdtempSync(join(workRoot, 'fleet-browser-'));
const run = (...args) => execFileSync(cli, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });


// A week of NASA's trace per service keeps each task to seconds.
writeFileSync(join(work, 'week.toml'),
  `name = "nasa-week"\n[load]\nkind = "trace"\npath = "${join(source, 'data/traces/nasa_1995_07.csv')}"\nscale_to_p99 = 8800\nto = 10080\n`);
writeFileSync(join(work, 'small.toml'), '[ppo]\npreset = "trace"\nhidden = [8, 8]\n');
writeFileSync(join(work, 'services.tsv'),
  'service\tscenario\tconfig\tseed\nweb\tweek.toml\tsmall.toml\t3\napi\tweek.toml\tsmall.toml\t-\nlater\tweek.toml\tsmall.toml\t-\n');
const files = ['--manifest', join(work, 'services.tsv'), '--out', join(work, 'out')];
const tiny = ['--steps', '4096', '--episodes', '3', '--tune-budget', '2', '--tune-episodes', '2', '--history-minutes', '60',
  '--episode-minutes', '120', '--threads', '2'];
for (const index of ['0', '1']) run('fleet', 'task', ...files, '--index', index, ...tiny);
run('fleet', 'merge', ...files);
const page = join(work, 'out', 'fleet.html');
const fleet = JSON.parse(readFileSync(join(work, 'out', 'fleet.json'), 'utf8'));

const browser = await launchChromium(chromium);
try {
  const tab = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors = [];
  tab.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  tab.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  await tab.goto(reportUrl(page));
  await tab.waitForSelector('table.fleet-table tbody tr');

  const drawn = await tab.evaluate(() => {
    const zero = document.querySelector('svg.forest line.zero');
    const zeroX = zero ? Number(zero.getAttribute('x1')) : null;
    const marks = Array.from(document.querySelectorAll('svg.forest g.interval')).map((g) => ({
      kind: g.classList.contains('learned') ? 'learned' : 'deployed',
      cx: Number(g.querySelector('circle').getAttribute('cx')),
      x1: Number(g.querySelector('line').getAttribute('x1')),
      x2: Number(g.querySelector('line').getAttribute('x2')),
      title: g.querySelector('title').textContent,
    }));
    const rows = Array.from(document.querySelectorAll('table.fleet-table tbody tr')).map((tr) => ({
      service: tr.dataset.service,
      state: tr.children[1].textContent,
      link: tr.querySelector('a') ? tr.querySelector('a').getAttribute('href') : null,
    }));
    return { zeroX, marks, rows, headline: document.querySelector('header .meta').textContent };
  });
  const done = fleet.services.filter((s) => s.state === 'done');
  check('two of three services are done in the merged document', () => assert.equal(done.length, 2));
  check('the headline says how many tasks are done', () => assert.match(drawn.headline, /^2 of 3 tasks done/));
  check('a learned and a deployed interval per finished service', () => {
    assert.equal(drawn.marks.filter((m) => m.kind === 'learned').length, done.length);
    assert.equal(drawn.marks.filter((m) => m.kind === 'deployed').length, done.length);
  });
  check('each mark sits inside its interval, on the side of zero its mean is on', () => {
    assert.ok(drawn.zeroX !== null, 'no zero line');
    for (const s of done) {
      for (const [kind, key] of [['learned', 'learned_vs_baseline'], ['deployed', 'deployed_vs_baseline']]) {
        const c = s.verdict[key];
        const m = drawn.marks.find((x) => x.kind === kind && x.title.startsWith(`${s.service},`));
        assert.ok(m, `${s.service} ${kind}: no mark`);
        assert.ok(m.x1 <= m.cx + 1e-6 && m.cx <= m.x2 + 1e-6, `${s.service} ${kind}: mean outside its interval`);
        if (Math.abs(c.diff_mean) > 0.5) assert.equal(Math.sign(m.cx - drawn.zeroX), Math.sign(c.diff_mean), `${s.service} ${kind}`);
      }
    }
  });
  check('every service is in the table; the pending one has no report link', () => {
    assert.deepEqual(drawn.rows.map((r) => r.service), ['web', 'api', 'later']);
    const later = drawn.rows.find((r) => r.service === 'later');
    assert.equal(later.state, 'pending');
    assert.equal(later.link, null);
  });
  check("each finished service's link opens its own report", () => {
    for (const r of drawn.rows.filter((x) => x.state === 'done')) {
      assert.ok(existsSync(join(work, 'out', decodeURIComponent(r.link))), `${r.link} does not exist`);
    }
  });
  await tab.click('table.fleet-table a');
  await tab.waitForSelector('#summary-table', { timeout: 30000 });
  check('the link leads to the service report', () => assert.match(tab.url(), /\/web\/report\.html$/));
  await tab.goBack();
  await tab.screenshot({ path: screenshot, fullPage: true });
  console.log(`screenshot: ${screenshot}`);
  check('no console errors', () => assert.deepEqual(errors, []));
} finally {
  await browser.close();
}
if (!results.failures) rmSync(work, { recursive: true, force: true });
else console.log(`inputs kept in ${work}`);
console.log(`${results.passes} passed, ${results.failures} failed`);
process.exit(results.failures ? 1 : 0);
