// The fleet page: reads the merged fleet document (fleet merge's fleet.json, embedded) and draws
// a forest plot of each service's gain a day over the classical policy best on its past, learned
// and deployed side by side with their day-clustered 95 % intervals, then the table. Plain DOM and
// SVG: a handful of rows needs no chart library, and the page stays small.
(function () {
  'use strict';
  const SVG = 'http://www.w3.org/2000/svg';
  const main = document.getElementById('fleet');

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    for (const c of children) e.append(c);
    return e;
  }
  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  const signed = (x) => (x >= 0 ? '+' : '\u2212') + Math.abs(Math.round(x)).toLocaleString('en-US');
  // A paired difference {diff_mean, diff_ci95: [lo, hi]} as "+12 [-3, +27]"; null when absent.
  function diff(c) {
    if (!c || typeof c.diff_mean !== 'number') return null;
    const ci = Array.isArray(c.diff_ci95) ? c.diff_ci95 : null;
    return { mean: c.diff_mean, lo: ci ? ci[0] : c.diff_mean, hi: ci ? ci[1] : c.diff_mean, ci: !!ci };
  }
  const diffText = (d) => (d ? `${signed(d.mean)}` + (d.ci ? ` [${signed(d.lo)}, ${signed(d.hi)}]` : '') : '');
  const sign = (d) => (!d || !d.ci ? '' : d.lo > 0 ? 'pos' : d.hi < 0 ? 'neg' : '');

  function rows(fleet) {
    return fleet.services.map((s) => {
      const v = s.verdict || null;
      return {
        service: s.service,
        state: s.state,
        scenario: s.row ? s.row.scenario : '',
        deployed: v ? v.deployed_role || '' : s.learned ? '(synthetic)' : '',
        baseline: v ? v.baseline || '' : s.learned && s.learned.vs_best_other ? s.learned.vs_best_other.policy || '' : '',
        learned: v ? diff(v.learned_vs_baseline) : null,
        deployedDiff: v ? diff(v.deployed_vs_baseline) : null,
        synthetic: !v && s.learned && s.learned.vs_best_other ? s.learned.vs_best_other.mean_difference : null,
        done: s.state === 'done',
      };
    });
  }

  function forest(rs) {
    const shown = rs.filter((r) => r.learned || r.deployedDiff);
    if (!shown.length) return el('p', { class: 'caption' }, 'No service has a per-day verdict yet.');
    const vals = shown.flatMap((r) => [r.learned, r.deployedDiff].filter(Boolean).flatMap((d) => [d.lo, d.hi]));
    let lo = Math.min(0, ...vals), hi = Math.max(0, ...vals);
    const pad = (hi - lo) * 0.06 || 1;
    lo -= pad; hi += pad;
    const W = 900, left = 180, right = 24, rowH = 34, top = 26, H = top + rowH * shown.length + 30;
    const x = (v) => left + ((v - lo) / (hi - lo)) * (W - left - right);
    const g = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: '100%', class: 'forest', role: 'img',
      'aria-label': 'gain a day over the best classical policy on each past' });
    // Axis: a few round ticks and the zero line (no gain).
    const step = Math.pow(10, Math.floor(Math.log10((hi - lo) / 4)));
    const tick = [1, 2, 5, 10].map((m) => m * step).find((t) => (hi - lo) / t <= 8);
    for (let t = Math.ceil(lo / tick) * tick; t <= hi; t += tick) {
      g.append(svg('line', { x1: x(t), x2: x(t), y1: top - 6, y2: H - 24, stroke: '#eef1f4' }));
      g.append(svg('text', { x: x(t), y: H - 8, 'text-anchor': 'middle', 'font-size': 11, fill: '#5f6b76' }, signed(t)));
    }
    g.append(svg('line', { x1: x(0), x2: x(0), y1: top - 10, y2: H - 24, stroke: '#1d2329', 'stroke-width': 1.2, class: 'zero' }));
    g.append(svg('text', { x: x(0) + 4, y: top - 12, 'font-size': 11, fill: '#5f6b76' }, 'no gain'));
    const series = [['learned', '#8250df', -6], ['deployedDiff', '#0969da', 6]];
    shown.forEach((r, i) => {
      const yc = top + rowH * i + rowH / 2;
      g.append(svg('text', { x: left - 10, y: yc + 4, 'text-anchor': 'end', 'font-size': 13, fill: '#1d2329' }, r.service));
      for (const [key, colour, dy] of series) {
        const d = r[key];
        if (!d) continue;
        const y = yc + dy;
        const mark = svg('g', { class: `interval ${key === 'learned' ? 'learned' : 'deployed'}` });
        mark.append(svg('line', { x1: x(d.lo), x2: x(d.hi), y1: y, y2: y, stroke: colour, 'stroke-width': 2 }));
        mark.append(svg('circle', { cx: x(d.mean), cy: y, r: 4.5, fill: key === 'learned' ? '#fff' : colour, stroke: colour, 'stroke-width': 2 }));
        mark.append(svg('title', {}, `${r.service}, ${key === 'learned' ? 'learned' : 'deployed'}: ${diffText(d)} a day`));
        g.append(mark);
      }
    });
    const legend = el('p', { class: 'caption' },
      'Per day against the classical policy best on each service\u2019s past, mean and day-clustered 95 % interval: ',
      el('b', { style: 'color:#8250df' }, '\u25cb learned'), ' (what training produced), ',
      el('b', { style: 'color:#0969da' }, '\u25cf deployed'), ' (what run hands the operator after its gate).');
    return el('div', { class: 'figure' }, g, legend);
  }

  function table(rs) {
    const head = ['service', 'state', 'deployed', 'best classical on the past', 'learned \u2212 it, a day', 'deployed \u2212 it, a day', 'report'];
    const t = el('table', { class: 'summary fleet-table' });
    t.append(el('thead', {}, el('tr', {}, ...head.map((h) => el('th', {}, h)))));
    const body = el('tbody');
    for (const r of rs) {
      const tr = el('tr', { class: r.done ? '' : 'bound', 'data-service': r.service });
      const link = r.done ? el('a', { href: `${encodeURIComponent(r.service)}/report.html` }, 'report') : '';
      const cells = [
        el('td', {}, r.service, el('span', { class: 'sub' }, r.scenario)),
        el('td', {}, r.state),
        el('td', {}, r.deployed),
        el('td', {}, r.baseline),
        el('td', { class: sign(r.learned) }, r.learned ? diffText(r.learned) : r.synthetic !== null ? `${signed(r.synthetic)} an episode` : ''),
        el('td', { class: sign(r.deployedDiff) }, diffText(r.deployedDiff)),
        el('td', {}, link),
      ];
      tr.append(...cells);
      body.append(tr);
    }
    t.append(body);
    return el('div', { class: 'table-wrap' }, t);
  }

  try {
    const fleet = JSON.parse(document.getElementById('fleet-data').textContent);
    const rs = rows(fleet);
    const gain = fleet.deployed_gain_per_day || 0;
    main.replaceChildren(
      el('header', {},
        el('h1', {}, `Fleet: ${fleet.tasks} service${fleet.tasks === 1 ? '' : 's'}`),
        el('p', { class: 'meta' }, `${fleet.done} of ${fleet.tasks} tasks done. Deployed policies earn `,
          el('b', { class: gain >= 0 ? 'pos' : 'neg' }, signed(gain)),
          ' a day in all over the best classical policies on their pasts.')),
      el('h2', {}, 'Gain a day, per service'),
      forest(rs),
      el('h2', {}, 'Services'),
      table(rs));
  } catch (e) {
    main.replaceChildren(el('p', { class: 'error' }, `The fleet page could not be drawn: ${e.message}`));
    throw e;
  }
})();
