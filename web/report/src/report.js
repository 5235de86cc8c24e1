// The autoscale report page. It reads the manifest (JSON) and the compressed column buffer that
// `autoscale report` embedded, and draws every chart with uPlot (embedded beside this script).
// window.autoscaleReport exposes the charts and a `ready` promise for the browser test and for
// the PNG renderer (#png=<figure id> shows that figure alone, sized to the window).
(() => {
  'use strict';

  const COLORS = {
    load: '#1f4e9c', capacity: '#e8772e', served: 'rgba(46, 160, 67, 0.22)', down: 'rgba(214, 39, 40, 0.28)',
    active: '#2b6cb0', fleet: '#8fb8e8', reference: '#7b2d9e', add: '#2ea043', remove: '#d62728',
    train: '#9ab3d6', validation: '#1f4e9c',
  };
  const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#393b79', '#bcbd22', '#17becf'];
  const TYPES = { u8: Uint8Array, i8: Int8Array, u16: Uint16Array, i16: Int16Array, i32: Int32Array, f32: Float32Array, f64: Float64Array };

  const report = { charts: [], timeCharts: [], ready: null, figures: [] };
  window.autoscaleReport = report;

  const el = (tag, attrs = {}, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === 'class') e.className = v; else if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c);
    return e;
  };
  const fmt = (v, digits = 0) => (v === null || v === undefined || !Number.isFinite(v)) ? '–'
    : v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const signed = (v, digits = 0) => (Number.isFinite(v) && v > 0 ? '+' : '') + fmt(v, digits);
  // A policy's kind comes with the evaluation (classical, learned, oracle): never guessed from its name.
  const isOracle = (p) => p.kind === 'oracle';
  const shortLabel = (spec) => spec.length > 34 ? spec.slice(0, 32) + '…' : spec;

  async function decodeColumns(b64) {
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'));
    return new Response(stream).arrayBuffer();
  }

  // ---- time axes: minutes since the episode's start, labelled day and clock time ----
  const MINUTE_INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080, 20160, 43200];
  const minuteLabel = (m) => {
    const d = Math.floor(m / 1440), h = Math.floor((m % 1440) / 60), mm = Math.round(m % 60);
    return `d${d} ${String(h).padStart(2, '0')}:${String(mm).padStart(2, '0')}`;
  };
  const minuteAxis = { incrs: MINUTE_INCRS, values: (u, splits) => splits.map(minuteLabel), size: 36, space: 90 };

  function chartWidth(container) {
    return Math.max(320, Math.floor(container.getBoundingClientRect().width || document.body.clientWidth - 48));
  }

  // Every chart registers here; `kind` tells the browser test what to expect of it.
  function makeChart(container, id, kind, opts, data) {
    const u = new uPlot({ width: chartWidth(container), ...opts }, data, container);
    u.root.dataset.chartId = id;
    report.charts.push({ id, kind, u, container });
    return u;
  }

  // ---- linked time window: a zoom on one timeline chart sets the same window on all others ----
  // Redrawing thirty charts of 10,000+ minutes for every wheel step is not smooth, so charts out
  // of view only note the window and apply it when they scroll into view (except in PNG mode,
  // where every chart applies it at once). report.xWindow(u) is the window a chart shows or will.
  let syncing = false, lazy = true;
  const onScreen = new Set(), pending = new Map();
  const observer = typeof IntersectionObserver === 'undefined' ? null : new IntersectionObserver((entries) => {
    for (const e of entries) {
      const u = e.target.__uplot;
      if (!u) continue;
      if (e.isIntersecting) {
        onScreen.add(u);
        applyPending(u);
      } else {
        onScreen.delete(u);
      }
    }
  }, { rootMargin: '300px 0px' });
  function applyPending(u) {
    const w = pending.get(u);
    if (!w) return;
    pending.delete(u);
    if (u.scales.x.min === w.min && u.scales.x.max === w.max) return;
    syncing = true;
    u.setScale('x', w);
    syncing = false;
  }
  function watchTime(u) {
    report.timeCharts.push(u);
    u.root.__uplot = u;
    if (observer) observer.observe(u.root);
  }
  report.xWindow = (u) => pending.get(u) ?? { min: u.scales.x.min, max: u.scales.x.max };
  function linkX(u) {
    if (syncing) return;
    syncing = true;
    const { min, max } = u.scales.x;
    pending.delete(u);
    for (const c of report.timeCharts) {
      if (c === u) continue;
      if (lazy && observer && !onScreen.has(c)) {
        pending.set(c, { min, max });
      } else if (c.scales.x.min !== min || c.scales.x.max !== max) {
        pending.delete(c);
        c.setScale('x', { min, max });
      }
    }
    syncing = false;
    updateWindowLabel(min, max);
  }
  let windowLabel = null;
  function updateWindowLabel(min, max) {
    if (windowLabel) windowLabel.textContent = `window: ${minuteLabel(min)} – ${minuteLabel(max)} (${fmt(max - min)} minutes)`;
  }

  // Mouse-wheel zoom around the cursor, kept inside the data; the linked charts follow.
  function wheelZoom(u) {
    u.over.addEventListener('wheel', (ev) => {
      ev.preventDefault();
      const lo = u.data[0][0], hi = u.data[0][u.data[0].length - 1];
      const { min, max } = u.scales.x;
      const at = u.posToVal(ev.offsetX, 'x');
      const factor = ev.deltaY < 0 ? 0.75 : 1 / 0.75;
      let nmin = at - (at - min) * factor, nmax = at + (max - at) * factor;
      if (nmax - nmin < 10) return;
      if (nmax - nmin >= hi - lo) { nmin = lo; nmax = hi; }
      if (nmin < lo) { nmax += lo - nmin; nmin = lo; }
      if (nmax > hi) { nmin -= nmax - hi; nmax = hi; }
      u.setScale('x', { min: Math.max(lo, nmin), max: Math.min(hi, nmax) });
    }, { passive: false });
  }

  const stepPaths = uPlot.paths.stepped({ align: 1 }), linePaths = uPlot.paths.linear();
  const adaptiveSteps = (u, si, i0, i1) => (i1 - i0 > u.bbox.width ? linePaths : stepPaths)(u, si, i0, i1);

  // Grey behind the minutes that only give policies history (not scored), red behind every
  // downtime minute in view (runs merged).
  function historyBand(history) {
    return (u) => {
      if (!(history > 0)) return;
      const a = u.valToPos(u.data[0][0] - 0.5, 'x', true), b = u.valToPos(history + 0.5, 'x', true);
      const l = Math.max(a, u.bbox.left), r = Math.min(b, u.bbox.left + u.bbox.width);
      if (r <= l) return;
      u.ctx.save();
      u.ctx.fillStyle = 'rgba(120, 120, 120, 0.15)';
      u.ctx.fillRect(l, u.bbox.top, r - l, u.bbox.height);
      u.ctx.restore();
    };
  }

  function downtimeBands(getDown) {
    return (u) => {
      const down = getDown();
      if (!down) return;
      const x = u.data[0];
      const { ctx, bbox } = u;
      const i0 = Math.max(0, u.valToIdx(u.scales.x.min) - 1), i1 = Math.min(x.length - 1, u.valToIdx(u.scales.x.max) + 1);
      ctx.save();
      ctx.fillStyle = COLORS.down;
      for (let i = i0; i <= i1; i++) {
        if (!down[i]) continue;
        let j = i;
        while (j + 1 <= i1 && down[j + 1]) j++;
        const a = u.valToPos(x[i] - 0.5, 'x', true), b = u.valToPos(x[j] + 0.5, 'x', true);
        ctx.fillRect(a, bbox.top, Math.max(2, b - a), bbox.height);
        i = j;
      }
      ctx.restore();
    };
  }

  // ---- sections ----
  function header(m) {
    const e = m.evaluation;
    const seeds = Number.isFinite(e.first_seed) && Number.isFinite(e.episodes) ? ` (seeds ${e.first_seed}..${e.first_seed + e.episodes - 1})` : '';
    const h = el('header', {},
      el('h1', { text: `autoscale report — scenario '${e.scenario ?? '?'}'` }),
      el('p', { class: 'meta', text: `${e.episodes ?? e.policies[0].episode_profits.length} evaluation episodes${seeds}` +
        (e.minutes_per_episode ? `, ${fmt(e.minutes_per_episode)} minutes each` : '') + ` · from ${m.evaluation_source}` }));
    return h;
  }

  function notes(m) {
    if (!m.notes || !m.notes.length) return null;
    const d = el('div', { class: 'notes' });
    for (const n of m.notes) d.append(el('div', { text: n }));
    return d;
  }

  function summaryTable(m) {
    const pols = m.evaluation.policies;
    const best = m.derived.best, ref = m.derived.reference;
    const refName = m.derived.reference_is_learned ? 'learned' : 'best';
    const cols = ['policy', 'mean profit ($/episode)', '95% interval', '% of oracle', '% of oracle-load', 'downtime min/episode',
      'availability %', 'machine-min/episode', `paired difference vs ${refName} (95% CI)`, 'paired difference vs best other (95% CI)'];
    const t = el('table', { class: 'summary', id: 'summary-table' });
    t.append(el('thead', {}, el('tr', {}, ...cols.map((c) => el('th', { text: c })))));
    const body = el('tbody');
    pols.forEach((p, k) => {
      const tr = el('tr', { class: p.policy === best ? 'best' : isOracle(p) ? 'bound' : '' });
      const ci = p.profit_ci95 || [NaN, NaN];
      const d = m.derived.paired_vs_reference[k];
      const vs = p.vs_best_other;
      const policyCell = el('td', { text: p.policy.replace(/,/g, ',\u200b') });  // specs may wrap after a comma
      if (p.policy === best) policyCell.append(el('span', { class: 'sub', text: '★ best (not an oracle)' }));
      if (p.policy === ref) policyCell.append(el('span', { class: 'sub', text: `${refName} policy: the paired reference` }));
      if (isOracle(p)) policyCell.append(el('span', { class: 'sub', text: 'clairvoyant bound' }));
      tr.append(policyCell);
      const cells = [
        [fmt(p.mean_profit), ''],
        [`[${fmt(ci[0])}, ${fmt(ci[1])}]`, ''],
        [fmt(p.pct_of_oracle, 1), ''],
        [fmt(p.pct_of_oracle_load, 1), ''],
        [fmt(p.downtime_minutes, 1), ''],
        [fmt(100 * p.availability, 2), ''],
        [fmt(p.machine_minutes), ''],
        [d ? `${signed(d.mean)} [${signed(d.lo)}, ${signed(d.hi)}]` : '–', d ? (d.lo > 0 ? 'pos' : d.hi < 0 ? 'neg' : '') : ''],
      ];
      for (const [text, cls] of cells) tr.append(el('td', { text, class: cls }));
      const vsCell = el('td', { text: vs ? `${signed(vs.mean_difference)} [${signed(vs.ci95[0])}, ${signed(vs.ci95[1])}]` : '–' });
      if (vs) vsCell.append(el('span', { class: 'sub', text: `vs ${shortLabel(vs.policy)}` }));
      tr.append(vsCell);
      body.append(tr);
    });
    t.append(body);
    return el('div', { class: 'table-wrap' }, t);
  }

  // Where each policy's profit comes from, and how closely its fleet follows demand (the SPEC
  // Research Group's elasticity metrics); evaluations written before these fields had none.
  function costsTable(m) {
    const pols = m.evaluation.policies;
    if (!pols.length || pols[0].revenue === undefined || !pols[0].elasticity) return null;
    const cols = ['policy', 'revenue', 'machine cost', 'downtime penalty', 'machine starts/day', 'under-provisioning accuracy θU %',
      'over-provisioning accuracy θO %', 'under-provisioning timeshare τU %', 'over-provisioning timeshare τO %', 'instability υ %'];
    const t = el('table', { class: 'summary', id: 'costs-table' });
    t.append(el('thead', {}, el('tr', {}, ...cols.map((c) => el('th', { text: c })))));
    const body = el('tbody');
    for (const p of pols) {
      const e = p.elasticity;
      const tr = el('tr', { class: isOracle(p) ? 'bound' : '' });
      tr.append(el('td', { text: p.policy.replace(/,/g, ',\u200b') }));
      for (const v of [fmt(p.revenue), fmt(p.machine_cost), fmt(p.downtime_penalty), fmt(p.machine_starts_per_day),
        fmt(e.under_provisioning_accuracy_pct, 1), fmt(e.over_provisioning_accuracy_pct, 1),
        fmt(e.under_provisioning_timeshare_pct, 1), fmt(e.over_provisioning_timeshare_pct, 1), fmt(e.instability_pct, 1)]) {
        tr.append(el('td', { text: v }));
      }
      body.append(tr);
    }
    t.append(body);
    return el('div', { class: 'table-wrap' }, t);
  }

  function block(id, title, caption) {
    const b = el('section', { class: 'figure-block', id: `fig-${id}` }, el('h2', { text: title }));
    if (caption) b.append(el('p', { class: 'caption', text: caption }));
    report.figures.push(id);
    return b;
  }

  function scenarioSection(m, cols, root) {
    const s = m.scenario;
    if (!s || !s.samples.length) return;
    const b = block('scenario', `Scenario '${s.name}' (${s.kind} load)`,
      `The load of ${s.samples.length} evaluated episodes (seeds ${s.samples.map((x) => x.seed).join(', ')}), minute by minute, ` +
      'as every policy faced it.' + (s.trace ? ' Below: the whole trace, with the windows those episodes replay shaded.' : ''));
    root.append(b);
    const loads = s.samples.map((x) => cols(x.load));
    const n = loads[0].length;
    const xs = Float64Array.from({ length: n }, (_, i) => i + 1);
    const box = el('div', { class: 'figure' });
    b.append(box);
    makeChart(box, 'scenario-samples', 'line', {
      height: 260,
      scales: { x: { time: false } },
      axes: [minuteAxis, { label: 'load (tpm)', size: 70 }],
      series: [{ label: 'minute', value: (u, v) => v == null ? '–' : minuteLabel(v) },
        ...s.samples.map((x, k) => ({ label: `seed ${x.seed}`, stroke: PALETTE[k % PALETTE.length], width: 1 }))],
    }, [xs, ...loads.map((l) => Float64Array.from(l))]);
    if (s.trace) {
      const tpm = cols(s.trace.tpm);
      const start = s.trace.start_epoch_seconds;
      const timed = Number.isFinite(start);
      const tx = Float64Array.from({ length: tpm.length }, (_, i) => timed ? start + 60 * i : i);
      const windows = s.samples.filter((x) => Number.isFinite(x.window_start)).map((x) => [x.window_start, x.window_start + n]);
      const tbox = el('div', { class: 'figure' });
      b.append(el('p', { class: 'caption', text: `Trace ${s.trace.source}: ${fmt(tpm.length)} minutes (scaled to tpm).` }), tbox);
      makeChart(tbox, 'scenario-trace', 'line', {
        height: 220,
        scales: { x: { time: timed } },
        axes: [timed ? {} : minuteAxis, { label: 'load (tpm)', size: 70 }],
        series: [{}, { label: 'trace', stroke: COLORS.load, width: 1 }],
        hooks: {
          drawClear: [(u) => {
            u.ctx.save();
            u.ctx.fillStyle = 'rgba(232, 119, 46, 0.18)';
            for (const [a, z] of windows) {
              const pa = u.valToPos(tx[Math.min(a, tx.length - 1)], 'x', true), pz = u.valToPos(tx[Math.min(z, tx.length - 1)], 'x', true);
              u.ctx.fillRect(pa, u.bbox.top, Math.max(2, pz - pa), u.bbox.height);
            }
            u.ctx.restore();
          }],
        },
      }, [tx, Float64Array.from(tpm)]);
    }
  }

  // ---- timelines: per policy, load against capacity, the fleet, the decisions ----
  function timelineSection(m, cols, root) {
    if (!m.traces.length) return;
    const episodes = m.traces.map((e) => ({
      ...e,
      loadCol: Float64Array.from(cols(e.load)),
      x: Float64Array.from({ length: e.minutes }, (_, i) => e.first_minute + i),
      byPolicy: new Map(e.policies.map((p) => [p.policy, p])),
    }));
    const policies = [];
    for (const e of episodes) for (const p of e.policies) if (!policies.includes(p.policy)) policies.push(p.policy);
    const refChoices = ['oracle', 'oracle-load'].filter((r) => policies.includes(r));
    const st = { episode: 0, reference: refChoices[0] ?? '' };

    const b = el('section', { class: 'figure-block', id: 'fig-timelines' }, el('h2', { text: 'What each policy did' }),
      el('p', { class: 'caption', text: 'For one episode: load (blue) against the capacity the fleet served (orange; green area = served, ' +
        'min(load, capacity)); red bands = downtime minutes (< 99.5% of the load served). Fleet: active machines and active + warming ' +
        `(warming = ordered, not yet serving), with the reference fleet dashed so the gap is visible. Decisions: machines added (up) and ` +
        'removed (down) each minute. Drag on any chart to zoom, wheel to zoom around the cursor, double-click to see the whole ' +
        'episode; every timeline follows.' + (m.history_minutes > 0 ? ` Grey: the first ${fmt(m.history_minutes)} minutes give ` +
        'policies history and are not scored.' : '') }));
    root.append(b);
    const controls = el('div', { class: 'controls' });
    const epSel = el('select', { id: 'episode-select' });
    episodes.forEach((e, k) => epSel.append(el('option', { value: String(k), text: `episode ${e.episode} (seed ${e.seed})` })));
    const refSel = el('select', { id: 'reference-select' });
    for (const r of refChoices) refSel.append(el('option', { value: r, text: `${r}'s fleet` }));
    refSel.append(el('option', { value: '', text: 'no reference fleet' }));
    const whole = el('button', { type: 'button', text: 'whole episode' });
    const day = el('button', { type: 'button', text: 'first day' });
    windowLabel = el('span', { class: 'meta' });
    controls.append(el('label', { text: 'episode' }), epSel, el('label', { text: 'reference' }), refSel, whole, day, windowLabel);
    b.append(controls);

    const setAll = (min, max) => { if (report.timeCharts.length) report.timeCharts[0].setScale('x', { min, max }); };
    const ep = () => episodes[st.episode];
    const traceOf = (spec) => ep().byPolicy.get(spec);

    // Series data of one policy in the current episode.
    function dataFor(spec) {
      const e = ep(), p = traceOf(spec), n = e.minutes;
      const nan = () => new Float64Array(n).fill(NaN);
      if (!p) return { load: [e.x, e.loadCol, nan(), nan()], fleet: [e.x, nan(), nan(), nan()], dec: [e.x, nan(), nan()], down: null };
      const cap = cols(p.capacity), act = cols(p.active), warm = cols(p.warming), add = cols(p.add), rem = cols(p.remove);
      const served = new Float64Array(n), total = new Float64Array(n), removed = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        served[i] = Math.min(e.loadCol[i], cap[i]);
        total[i] = act[i] + warm[i];
        removed[i] = -rem[i];
      }
      const r = st.reference && traceOf(st.reference);
      let refFleet = nan();
      if (r) {
        const ra = cols(r.active), rw = cols(r.warming);
        refFleet = Float64Array.from({ length: n }, (_, i) => ra[i] + rw[i]);
      }
      return {
        load: [e.x, e.loadCol, Float64Array.from(cap), served],
        fleet: [e.x, refFleet, total, Float64Array.from(act)],
        dec: [e.x, Float64Array.from(add), removed],
        down: cols(p.down),
      };
    }

    const panels = policies.map((spec, k) => {
      const panel = el('div', { class: 'panel figure-block', id: `fig-timeline:${k}` });
      report.figures.push(`timeline:${k}`);
      const title = el('h3', { text: spec });
      const meta = el('div', { class: 'meta' });
      const boxes = [el('div'), el('div'), el('div')];
      panel.append(title, meta, ...boxes);
      b.append(panel);
      const d = dataFor(spec);
      const state = { down: d.down };
      const common = (h, extraHooks = {}) => ({
        height: h,
        scales: { x: { time: false } },
        cursor: { sync: { key: 'timeline', setSeries: false }, drag: { x: true, y: false } },
        hooks: { setScale: [(u, key) => { if (key === 'x') linkX(u); }], ready: [wheelZoom], ...extraHooks },
        legend: { live: true },
      });
      const xSeries = { label: 'time', value: (u, v) => v == null ? '–' : minuteLabel(v) };
      // Steps show the minute-by-minute truth when zoomed in; zoomed out (more minutes than pixels)
      // uPlot's linear paths draw each pixel column's min and max, which keeps every spike and
      // costs a fraction of tens of thousands of steps.
      const stepped = adaptiveSteps;
      const load = makeChart(boxes[0], `timeline:${k}:load`, 'time', {
        ...common(210, { drawClear: [historyBand(m.history_minutes), downtimeBands(() => state.down)] }),
        axes: [minuteAxis, { label: 'tpm', size: 70 }],
        series: [xSeries,
          { label: 'load', stroke: COLORS.load, width: 1.25 },
          { label: 'capacity', stroke: COLORS.capacity, width: 1 },
          { label: 'served', stroke: 'rgba(46,160,67,0)', fill: COLORS.served, width: 0 }],
      }, d.load);
      const fleet = makeChart(boxes[1], `timeline:${k}:fleet`, 'time', {
        ...common(170),
        axes: [minuteAxis, { label: 'machines', size: 70 }],
        // the reference first, so the policy's own fleet is drawn over it
        series: [xSeries,
          { label: 'reference fleet (active + warming)', stroke: COLORS.reference, width: 1.25, dash: [5, 4], paths: stepped },
          { label: 'active + warming', stroke: COLORS.fleet, width: 1, paths: stepped },
          { label: 'active', stroke: COLORS.active, width: 1.5, paths: stepped }],
      }, d.fleet);
      const dec = makeChart(boxes[2], `timeline:${k}:decisions`, 'time', {
        ...common(120),
        scales: { x: { time: false }, y: { range: (u, lo, hi) => { const a = Math.max(1, Math.abs(lo), Math.abs(hi)); return [-a, a]; } } },
        axes: [minuteAxis, { label: 'add / remove', size: 70 }],
        series: [xSeries,
          { label: 'added', stroke: COLORS.add, fill: 'rgba(46,160,67,0.5)', width: 1, paths: stepped },
          { label: 'removed', stroke: COLORS.remove, fill: 'rgba(214,39,40,0.5)', width: 1, paths: stepped }],
      }, d.dec);
      watchTime(load);
      watchTime(fleet);
      watchTime(dec);
      const refresh = () => {
        const dd = dataFor(spec);
        state.down = dd.down;
        const p = traceOf(spec);
        meta.innerHTML = '';
        if (p) {
          const profit = m.evaluation.policies.find((q) => q.policy === spec)?.episode_profits?.[ep().episode];
          meta.append(`episode ${ep().episode}: profit `, el('b', { text: fmt(p.profit) }),
            Number.isFinite(profit) ? ` (evaluation: ${fmt(profit)})` : '', ' · downtime ', el('b', { text: `${fmt(p.downtime_minutes)} min` }),
            st.reference && traceOf(st.reference) ? ` · reference fleet: ${st.reference}` : '');
        } else {
          meta.append(`no trace of this policy in episode ${ep().episode}`);
        }
        load.setData(dd.load, false);
        fleet.setData(dd.fleet, false);
        dec.setData(dd.dec, false);
      };
      return { refresh };
    });

    const refreshAll = () => {
      for (const p of panels) p.refresh();
      const e = ep();
      setAll(e.x[0], e.x[e.x.length - 1]);
    };
    epSel.addEventListener('change', () => { st.episode = Number(epSel.value); refreshAll(); });
    refSel.addEventListener('change', () => { st.reference = refSel.value; const { min, max } = report.timeCharts[0].scales.x; for (const p of panels) p.refresh(); setAll(min, max); });
    whole.addEventListener('click', () => { const e = ep(); setAll(e.x[0], e.x[e.x.length - 1]); });
    day.addEventListener('click', () => { const e = ep(); setAll(e.x[0], Math.min(e.x[0] + 1440, e.x[e.x.length - 1])); });
    refreshAll();
  }

  // ---- distributions across episodes: horizontal box plots, one row per policy ----
  function quantile(sorted, q) {
    const pos = (sorted.length - 1) * q, lo = Math.floor(pos), hi = Math.ceil(pos);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
  }

  function boxChart(box, id, rows, opts) {
    // rows: [{label, values, color, mean?, ci?: [lo, hi]}]; first row on top.
    const all = rows.flatMap((r) => r.values);
    let lo = Math.min(...all, ...(opts.zero ? [0] : [])), hi = Math.max(...all, ...(opts.zero ? [0] : []));
    if (!(hi > lo)) { lo -= 1; hi += 1; }
    const pad = (hi - lo) * 0.04;
    const n = rows.length;
    const stats = rows.map((r) => {
      const s = Float64Array.from(r.values).sort();
      return { ...r, q1: quantile(s, 0.25), med: quantile(s, 0.5), q3: quantile(s, 0.75), lo: s[0], hi: s[s.length - 1] };
    });
    const draw = (u) => {
      const { ctx } = u;
      const px = (v) => u.valToPos(v, 'x', true), py = (k) => u.valToPos(n - 1 - k, 'y', true);
      const half = Math.max(4, Math.min(16, (u.bbox.height / n) * 0.3));
      ctx.save();
      if (opts.zero) {
        ctx.strokeStyle = '#444'; ctx.setLineDash([4, 3]); ctx.lineWidth = 1;
        ctx.beginPath(); ctx.moveTo(px(0), u.bbox.top); ctx.lineTo(px(0), u.bbox.top + u.bbox.height); ctx.stroke();
        ctx.setLineDash([]);
      }
      stats.forEach((r, k) => {
        const y = py(k);
        ctx.strokeStyle = r.color; ctx.fillStyle = r.color;
        // the episodes themselves, jittered deterministically
        ctx.globalAlpha = 0.35;
        r.values.forEach((v, i) => {
          const jitter = ((i * 0.6180339887) % 1 - 0.5) * half * 1.6;
          ctx.beginPath(); ctx.arc(px(v), y + jitter, 1.8, 0, 2 * Math.PI); ctx.fill();
        });
        ctx.globalAlpha = 0.25;
        ctx.fillRect(px(r.q1), y - half, px(r.q3) - px(r.q1), 2 * half);
        ctx.globalAlpha = 1; ctx.lineWidth = 1.5;
        ctx.strokeRect(px(r.q1), y - half, px(r.q3) - px(r.q1), 2 * half);
        ctx.beginPath();
        ctx.moveTo(px(r.med), y - half); ctx.lineTo(px(r.med), y + half);
        ctx.moveTo(px(r.lo), y); ctx.lineTo(px(r.q1), y); ctx.moveTo(px(r.q3), y); ctx.lineTo(px(r.hi), y);
        ctx.moveTo(px(r.lo), y - half / 2); ctx.lineTo(px(r.lo), y + half / 2); ctx.moveTo(px(r.hi), y - half / 2); ctx.lineTo(px(r.hi), y + half / 2);
        ctx.stroke();
        if (r.ci) {  // the mean's 95% interval, drawn black under the box
          ctx.strokeStyle = '#111'; ctx.lineWidth = 3;
          ctx.beginPath(); ctx.moveTo(px(r.ci[0]), y + half + 4); ctx.lineTo(px(r.ci[1]), y + half + 4); ctx.stroke();
        }
        if (Number.isFinite(r.mean)) {  // the mean: a diamond
          const x = px(r.mean);
          ctx.fillStyle = '#111';
          ctx.beginPath(); ctx.moveTo(x, y - 5); ctx.lineTo(x + 5, y); ctx.lineTo(x, y + 5); ctx.lineTo(x - 5, y); ctx.closePath(); ctx.fill();
        }
      });
      ctx.restore();
    };
    return makeChart(box, id, 'box', {
      height: Math.max(160, 34 * n + 60),
      scales: { x: { time: false, range: (u, a, b) => [a, b] }, y: { range: [-0.6, n - 0.4] } },
      axes: [{ label: opts.xLabel, values: (u, splits) => splits.map((v) => fmt(v)) },
        { size: 260, splits: () => rows.map((_, k) => k), values: (u, splits) => splits.map((s) => shortLabel(rows[n - 1 - s]?.label ?? '')), gap: 6, grid: { show: false } }],
      series: [{}, { label: opts.xLabel, show: false }],
      legend: { show: false },
      cursor: { drag: { x: true, y: false }, points: { show: false } },
      hooks: { draw: [draw] },
    }, [Float64Array.from([lo - pad, hi + pad]), [null, null]]);
  }

  function distributionSections(m, root) {
    const pols = m.evaluation.policies.filter((p) => p.episode_profits.length);
    if (!pols.length) return;
    const b = block('profits', 'Profit per episode',
      'Each dot is one evaluation episode; box = quartiles, whiskers = range, diamond = mean, black bar = the mean\'s 95% interval. ' +
      'The same episodes for every policy (common random numbers).');
    root.append(b);
    const box = el('div', { class: 'figure' });
    b.append(box);
    boxChart(box, 'profits', pols.map((p, k) => ({
      label: p.policy, values: p.episode_profits, color: isOracle(p) ? '#7f7f7f' : PALETTE[k % PALETTE.length],
      mean: p.mean_profit, ci: p.profit_ci95,
    })), { xLabel: 'profit per episode ($)' });

    const ref = m.derived.reference;
    const refProfits = m.evaluation.policies.find((p) => p.policy === ref)?.episode_profits;
    if (!refProfits) return;
    const refName = m.derived.reference_is_learned ? 'the learned policy' : 'the best policy';
    const rows = [];
    m.evaluation.policies.forEach((p, k) => {
      const d = m.derived.paired_vs_reference[k];
      if (p.policy === ref || !d) return;
      rows.push({ label: p.policy, values: p.episode_profits.map((v, i) => v - refProfits[i]),
        color: isOracle(p) ? '#7f7f7f' : PALETTE[k % PALETTE.length], mean: d.mean, ci: [d.lo, d.hi] });
    });
    if (!rows.length) return;
    const b2 = block('paired', `Paired difference against ${refName}`,
      `Per episode: the policy's profit minus ${ref}'s on the same episode. Left of the dashed zero line the policy earns less ` +
      'than the reference; the black bar is the 95% interval of the mean difference (Student\'s t).');
    root.append(b2);
    const box2 = el('div', { class: 'figure' });
    b2.append(box2);
    boxChart(box2, 'paired', rows, { xLabel: `profit − ${shortLabel(ref)} ($ per episode)`, zero: true });
  }

  // ---- the training curve, with the tuned baselines' profits as reference lines ----
  function trainingSection(m, cols, root) {
    const t = m.training;
    if (!t || !t.rows) return;
    const steps = Float64Array.from(cols(t.steps)), wall = Float64Array.from(cols(t.wall_seconds));
    const train = Array.from(cols(t.train_profit), (v) => Number.isFinite(v) ? v : null);
    const val = Array.from(cols(t.validation_profit), (v) => Number.isFinite(v) ? v : null);
    const refs = m.evaluation.policies.filter((p) => p.kind !== 'learned' && p.policy !== 'oracle');
    const b = block('training', 'Training curve',
      `From ${t.source}: the mean profit of training episodes as they finished, and of the validation episodes (fixed seeds, ` +
      'deterministic policy). Dashed: each other policy\'s mean profit on the evaluation episodes (the same scenario, other seeds).');
    root.append(b);
    const ctl = el('div', { class: 'controls' });
    const xSel = el('select', { id: 'training-x' }, el('option', { value: 'steps', text: 'environment steps' }), el('option', { value: 'wall', text: 'wall time (s)' }));
    // Early training loses far more than any tuned policy; by default the y axis shows the range
    // where the curve meets the reference lines (the later half of validation and the references).
    const ySel = el('select', { id: 'training-y' }, el('option', { value: 'focus', text: 'near the reference lines' }), el('option', { value: 'all', text: 'everything' }));
    ctl.append(el('label', { text: 'x axis' }), xSel, el('label', { text: 'y axis' }), ySel);
    const late = val.slice(Math.floor(val.length / 2)).filter((v) => v !== null);
    const focusVals = [...late, ...refs.map((p) => p.mean_profit)];
    const allVals = [...train, ...val, ...refs.map((p) => p.mean_profit)].filter((v) => v !== null);
    let focus = null;
    if (focusVals.length) {
      const lo = Math.min(...focusVals), hi = Math.max(...allVals);
      const pad = Math.max(0.15 * (hi - lo), 0.02 * Math.abs(hi), 1);
      if (lo - pad > Math.min(...allVals)) focus = [lo - pad, hi + pad];
    }
    const box = el('div', { class: 'figure' });
    b.append(ctl, box);
    const data = (xs) => [xs, train, val, ...refs.map((p) => Array.from(xs, () => p.mean_profit))];
    // Switching the x axis rebuilds the chart, so its axis label and ticks follow.
    const build = (byWall, yAll) => makeChart(box, 'training', 'line', {
      height: 340,
      scales: { x: { time: false }, ...(focus && !yAll ? { y: { range: focus } } : {}) },
      axes: [{ label: byWall ? 'wall time (s)' : 'environment steps', space: 80,
        values: (u, s) => s.map((v) => v >= 1e6 ? `${fmt(v / 1e6, 1)}M` : fmt(v)) }, { label: 'profit per episode ($)', size: 80 }],
      series: [{ label: byWall ? 'seconds' : 'steps' },
        { label: 'training episodes', stroke: COLORS.train, width: 1, spanGaps: true },
        { label: 'validation', stroke: COLORS.validation, width: 2.5, spanGaps: true, points: { show: true, size: 5 } },
        ...refs.map((p, k) => ({ label: shortLabel(p.policy), stroke: PALETTE[(k + 1) % PALETTE.length], width: 1.25, dash: [6, 4], points: { show: false } }))],
    }, data(byWall ? wall : steps));
    let u = build(false, false);
    const rebuild = () => {
      report.charts = report.charts.filter((c) => c.u !== u);
      u.destroy();
      u = build(xSel.value === 'wall', ySel.value === 'all');
    };
    xSel.addEventListener('change', rebuild);
    ySel.addEventListener('change', rebuild);
  }

  function resizeAll() {
    for (const c of report.charts) {
      const w = chartWidth(c.container);
      if (Math.abs(w - c.u.width) > 2) c.u.setSize({ width: w, height: c.u.height });
    }
  }

  // #png=<figure id>: show that figure alone, as wide as the window (the PNG renderer's view).
  // #png=<figure id>[&from=M&to=M]: the figure alone; the timelines showing minutes M..M.
  function pngTarget() {
    const m = /^#png=([^&]+)(?:&from=([0-9.]+)&to=([0-9.]+))?$/.exec(location.hash);
    return m ? { id: decodeURIComponent(m[1]), window: m[2] ? [Number(m[2]), Number(m[3])] : null } : null;
  }

  // PNG mode: hide everything but one figure (a timeline panel keeps its section's heading).
  function showOnly(id) {
    const t = document.getElementById(`fig-${id}`);
    if (!t) throw new Error(`no figure '${id}' (figures: ${report.figures.join(', ')})`);
    for (const e of document.querySelectorAll('.png-target')) e.classList.remove('png-target');
    t.classList.add('png-target');
    const timelines = document.getElementById('fig-timelines');
    if (id.startsWith('timeline:')) timelines.classList.add('png-target');
  }

  async function main() {
    const manifest = JSON.parse(document.getElementById('report-manifest').textContent);
    if (manifest.format !== 'autoscale-report') throw new Error('not an autoscale report manifest');
    const buffer = await decodeColumns(document.getElementById('report-columns').textContent.trim());
    const cols = (d) => {
      if (!d) return new Float64Array(0);
      return new TYPES[d.type](buffer, d.offset, d.length);
    };
    const root = document.getElementById('report');
    root.innerHTML = '';
    const png = pngTarget();
    const target = png && png.id;
    if (target) lazy = false;
    if (target) document.body.classList.add('png-mode');
    root.append(header(manifest));
    const n = notes(manifest);
    if (n) root.append(n);
    const sum = block('summary', 'Summary', 'Means over the evaluation episodes with 95% intervals; ★ = highest-earning policy that is not an ' +
      'oracle; oracles (grey) are clairvoyant upper bounds. Paired differences compare the same episodes.');
    sum.append(summaryTable(manifest));
    root.append(sum);
    const costs = costsTable(manifest);
    if (costs) {
      const c = block('costs', 'Where the profit comes from, and elasticity',
        'Per-episode means: profit = revenue - machine cost - downtime penalty. Demand is the machines the load needs at nominal ' +
        'capacity, supply the machines serving: θ is the average shortfall or excess as a share of demand, τ the share of minutes ' +
        'under- or over-provisioned, υ the share of minutes in which supply and demand move differently (Herbst et al., SPEC RG).');
      c.append(costs);
      root.append(c);
    }
    // Charts size to their container: build top-down so widths are known.
    scenarioSection(manifest, cols, root);
    timelineSection(manifest, cols, root);
    distributionSections(manifest, root);
    trainingSection(manifest, cols, root);
    if (target === 'measure') {
      // The PNG renderer's first pass: the page height with each figure shown alone, once uPlot
      // has applied its sizes (it does so in a microtask after creating a chart). A timer, not
      // an animation frame: Chromium's --dump-dom under virtual time draws no frames.
      const frame = () => new Promise((r) => setTimeout(r, 0));
      const heights = {};
      for (const id of report.figures) {
        showOnly(id);
        resizeAll();
        await frame();
        // the page's content, not scrollHeight, which is never below the window's height
        heights[id] = Math.ceil(root.getBoundingClientRect().bottom + window.scrollY);
      }
      document.documentElement.dataset.figureHeights = JSON.stringify(heights);
    } else if (target) {
      showOnly(target);
      if (png.window && report.timeCharts.length) report.timeCharts[0].setScale('x', { min: png.window[0], max: png.window[1] });
    }
    resizeAll();
    window.addEventListener('resize', resizeAll);
    document.documentElement.dataset.ready = '1';
  }

  report.ready = main().catch((err) => {
    document.getElementById('report').innerHTML = '';
    document.getElementById('report').append(el('p', { class: 'error', text: `This report could not be drawn: ${err && err.stack || err}` }));
    document.documentElement.dataset.ready = 'error';
    throw err;
  });
})();
