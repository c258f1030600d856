// tiaocan dashboard: fills the study page from the JSON API and keeps it live.
// User strings are only ever set with textContent (never innerHTML).
"use strict";
(function () {
  const POLL_MS = 1500;

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function fmt(v) {
    if (v === null || v === undefined) return "–";
    if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toPrecision(6).replace(/\.?0+$/, "");
    if (Array.isArray(v)) return v.map(fmt).join(", ");
    return String(v);
  }
  let plotlyLoading = null;
  function loadPlotly() {  // after the table: 4 MB of script must not delay the first rows
    if (window.Plotly) return Promise.resolve();
    if (!plotlyLoading) {
      plotlyLoading = new Promise((resolve, reject) => {
        const tag = document.createElement("script");
        tag.src = "/static/plotly.min.js"; tag.onload = resolve; tag.onerror = reject;
        document.head.appendChild(tag);
      });
    }
    return plotlyLoading;
  }
  const nextFrame = () => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
  async function getJSON(url) {
    const r = await fetch(url, { cache: "no-store" });
    if (!r.ok) {
      let msg = url + ": " + r.status;
      try { msg = (await r.json()).error || msg; } catch (e) { /* not JSON */ }
      throw new Error(msg);
    }
    return r.json();
  }

  function curvePage() {  // the trial page: its learning curve and a DARTS search's α curves
    if (!window.Plotly) return;
    for (const id of ["curve", "alphas"]) {
      const node = document.getElementById(id + "-data");
      if (!node) continue;
      const fig = JSON.parse(node.textContent);
      Plotly.newPlot(id, fig.data, fig.layout, { responsive: true, displaylogo: false });
    }
  }

  function studyPage(data) {
    const q = encodeURIComponent(data.study);
    const s = { offset: 0, limit: 50, sort: "number", desc: true, state: "", query: "", cursor: -1,
                plotCursor: -1, choice: "" };
    const metrics = data.metrics;
    const valueColumns = metrics.length === 1 ? [["value", metrics[0]]] : metrics.map((m, i) => ["value_" + i, m]);
    const columns = [["number", "#"], ["state", "state"]].concat(valueColumns,
                     [["budget", "budget"], ["duration", "duration (s)"]], data.params.map(p => ["param:" + p, p]));
    const thead = document.querySelector("#trials thead");
    const tbody = document.querySelector("#trials tbody");
    const tr = el("tr");
    for (const [key, label] of columns) {
      const th = el("th", label);
      th.dataset.sort = key;
      th.addEventListener("click", () => {
        s.desc = s.sort === key ? !s.desc : false; s.sort = key; s.offset = 0; loadTable();
      });
      tr.appendChild(th);
    }
    tr.appendChild(el("th", "note"));
    thead.appendChild(tr);

    let tableRequest = 0;  // typing sends a request per key: only the latest one may draw
    async function loadTable() {
      const url = `/api/trials?study=${q}&offset=${s.offset}&limit=${s.limit}&sort=${encodeURIComponent(s.sort)}` +
        `&desc=${s.desc ? 1 : 0}&state=${encodeURIComponent(s.state)}&q=${encodeURIComponent(s.query)}`;
      const mine = ++tableRequest;
      let page;
      try { page = await getJSON(url); } catch (e) {
        if (mine !== tableRequest) return;
        const info = document.getElementById("page-info");
        info.textContent = String(e.message || e); info.className = "error";
        return;
      }
      if (mine !== tableRequest) return;  // a later request was sent meanwhile
      document.getElementById("page-info").className = "";
      s.total = page.total;
      const rows = document.createDocumentFragment();
      for (const t of page.rows) {
        const row = el("tr");
        row.dataset.number = t.number;
        const a = el("a", t.number);
        a.href = `/trial?study=${q}&number=${t.number}`;
        const c0 = el("td"); c0.appendChild(a); row.appendChild(c0);
        const st = el("td", t.state, "state-" + t.state);
        if (t.stopped_at !== null && t.stopped_at !== undefined) st.title = "stopped at budget " + fmt(t.stopped_at);
        row.appendChild(st);
        for (let i = 0; i < metrics.length; i++) row.appendChild(el("td", fmt(t.values ? t.values[i] : null)));
        row.appendChild(el("td", fmt(t.budget)));
        row.appendChild(el("td", fmt(t.duration)));
        for (const p of data.params) row.appendChild(el("td", fmt(t.params[p])));
        row.appendChild(el("td", fmt(t.note)));
        rows.appendChild(row);
      }
      tbody.replaceChildren(rows);
      for (const th of thead.querySelectorAll("th")) {
        th.classList.toggle("sorted-asc", th.dataset.sort === s.sort && !s.desc);
        th.classList.toggle("sorted-desc", th.dataset.sort === s.sort && s.desc);
      }
      const last = Math.min(page.offset + page.rows.length, page.total);
      document.getElementById("page-info").textContent =
        `${page.total ? page.offset + 1 : 0}–${last} of ${page.total}` + (page.total !== page.all ? ` (filtered from ${page.all})` : "");
      document.body.dataset.tableReady = "1";
    }

    async function loadPlots() {
      const choice = s.choice;
      const [res] = await Promise.all([getJSON(`/api/plots?study=${q}${choice}`), loadPlotly()]);
      if (res.cursor === s.plotCursor && choice === s.drawnChoice) return;
      s.plotCursor = res.cursor; s.drawnChoice = choice;
      const box = document.getElementById("plots");
      for (const div of Array.from(box.children)) {  // a plot the new choice does not draw
        if (!(div.id.slice(5) in res.plots)) div.remove();
      }
      for (const [name, fig] of Object.entries(res.plots)) {
        let div = document.getElementById("plot-" + name);
        if (!div) { div = el("div", null, "plot"); div.id = "plot-" + name; box.appendChild(div); }
        await nextFrame();  // one plot per frame: the page stays responsive while they draw
        const t0 = performance.now();
        try {
          await Plotly.react(div, fig.data, fig.layout, { responsive: true, displaylogo: false });
        } catch (e) { console.error(name, e); div.textContent = "plot " + name + " failed: " + e; }
        window.tiaocanPlotTimes = Object.assign(window.tiaocanPlotTimes || {}, { [name]: performance.now() - t0 });
        document.body.dataset.firstPlotReady = "1";
      }
      document.body.dataset.plotsReady = "1";
    }

    async function poll() {
      try {
        const sum = await getJSON(`/api/summary?study=${q}`);
        const counts = Object.entries(sum.counts).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(" · ");
        document.getElementById("counts").textContent =
          `${sum.total} trials` + (counts ? ` — ${counts}` : "") +
          (sum.best !== null ? ` — best ${metrics[0]} ${fmt(sum.best)}` : "");
        document.getElementById("search").textContent = sum.search || "";
        if (sum.cursor !== s.cursor) {
          s.cursor = sum.cursor;
          await loadTable();
          loadPlots().catch(e => console.error(e));
        }
      } catch (e) { console.error(e); }
      setTimeout(poll, POLL_MS);
    }

    function option(select, value, label, selected) {
      const o = el("option", label); o.value = value; o.selected = !!selected; select.appendChild(o);
    }
    function plotControls() {
      const obj = document.getElementById("c-objective");
      metrics.forEach((m, i) => option(obj, String(i), m, i === 0));
      obj.parentNode.hidden = metrics.length < 2;
      const cx = document.getElementById("c-contour-x"), cy = document.getElementById("c-contour-y");
      const pair = data.numeric.length >= 2 ? data.numeric : data.params;
      data.params.forEach(p => { option(cx, p, p, p === pair[0]); option(cy, p, p, p === pair[1]); });
      cx.parentNode.hidden = data.params.length < 2;
      for (const id of ["c-slice", "c-parallel"]) {
        const sel = document.getElementById(id);
        data.params.forEach(p => option(sel, p, p, true));
      }
      const changed = () => {
        const picked = id => Array.from(document.getElementById(id).selectedOptions).map(o => o.value);
        let c = "";
        if (metrics.length > 1) c += "&objective=" + obj.value;
        if (cx.value && cy.value && cx.value !== cy.value) c += "&contour=" + encodeURIComponent(cx.value + "," + cy.value);
        for (const [id, key] of [["c-slice", "slice"], ["c-parallel", "parallel"]]) {
          const p = picked(id);
          if (p.length && p.length < data.params.length) c += `&${key}=` + encodeURIComponent(p.join(","));
        }
        s.choice = c;
        loadPlots().catch(e => console.error(e));
      };
      for (const id of ["c-objective", "c-contour-x", "c-contour-y", "c-slice", "c-parallel"]) {
        document.getElementById(id).addEventListener("change", changed);
      }
    }
    plotControls();
    document.getElementById("f-state").addEventListener("change", e => { s.state = e.target.value; s.offset = 0; loadTable(); });
    document.getElementById("f-query").addEventListener("input", e => { s.query = e.target.value; s.offset = 0; loadTable(); });
    document.getElementById("f-limit").addEventListener("change", e => { s.limit = +e.target.value; s.offset = 0; loadTable(); });
    document.getElementById("prev").addEventListener("click", () => { s.offset = Math.max(0, s.offset - s.limit); loadTable(); });
    document.getElementById("next").addEventListener("click", () => {
      if (s.offset + s.limit < s.total) { s.offset += s.limit; loadTable(); }
    });
    poll();
  }

  const dataNode = document.getElementById("tc-data");
  if (dataNode) studyPage(JSON.parse(dataNode.textContent));
  else curvePage();
})();
