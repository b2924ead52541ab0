/* status_page: the live status page http_status serves at / and
 * /index.html. One self-contained HTML file: no external resource of any
 * kind, so it works on an isolated edge network. It polls api/status (a
 * relative URL, so it also works behind a reverse proxy's sub-path) every
 * second and renders the packets/s chart (<canvas id="pps-chart">), the top
 * applications (id="top-apps") and talkers (id="top-talkers"), the recent
 * alerts (id="alerts", one <tr class="alert-row"> each) and sink and policy
 * health (id="health"). Every string from the server reaches the DOM
 * through textContent, never innerHTML.
 *
 * The script is kept apart (STATUS_PAGE_SCRIPT) so http_status can put its
 * SHA-256 in the Content-Security-Policy and forbid any other script.
 * Edit the page here; keep it small and ASCII.
 */
#ifndef VIGIA_STATUS_PAGE_H
#define VIGIA_STATUS_PAGE_H

#define STATUS_PAGE_HEAD \
	"<!doctype html>\n" \
	"<html lang=\"en\">\n" \
	"<head>\n" \
	"<meta charset=\"utf-8\">\n" \
	"<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n" \
	"<meta name=\"referrer\" content=\"no-referrer\">\n" \
	"<title>vigia status</title>\n" \
	"<style>\n" \
	":root{--bg:#0f1419;--card:#182028;--fg:#e6e9ec;--dim:#8b97a3;--line:#2a3540;\n" \
	"--acc:#4fb3ff;--ok:#3ecf8e;--warn:#f5a623;--bad:#ff5c5c;--s3:#e8d44d}\n" \
	"*{box-sizing:border-box}\n" \
	"html{font-size:clamp(14px,0.55vw + 9px,22px)}\n" \
	"body{margin:0;background:var(--bg);color:var(--fg);\n" \
	"font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;line-height:1.35}\n" \
	"header{display:flex;flex-wrap:wrap;align-items:baseline;gap:.4rem 1rem;padding:.8rem 1rem;\n" \
	"border-bottom:1px solid var(--line)}\n" \
	"h1{font-size:1.3rem;margin:0}\n" \
	"h2{font-size:.95rem;margin:0 0 .5rem;color:var(--dim);font-weight:600;\n" \
	"text-transform:uppercase;letter-spacing:.04em}\n" \
	".dim{color:var(--dim)}\n" \
	".pill{display:inline-block;padding:.05rem .55rem;border-radius:1rem;font-size:.85rem;\n" \
	"background:var(--line)}\n" \
	".ok{background:#173d2c;color:var(--ok)}.bad{background:#4a1c1c;color:var(--bad)}\n" \
	".warn{background:#47340f;color:var(--warn)}\n" \
	"main{display:grid;gap:1rem;padding:1rem;\n" \
	"grid-template-columns:repeat(auto-fit,minmax(min(100%,26rem),1fr))}\n" \
	".card{background:var(--card);border:1px solid var(--line);border-radius:.5rem;\n" \
	"padding:.8rem;min-width:0}\n" \
	".wide{grid-column:1/-1}\n" \
	".kpis{display:grid;gap:.6rem;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr))}\n" \
	".kpi b{display:block;font-size:1.6rem;font-variant-numeric:tabular-nums}\n" \
	".kpi span{color:var(--dim);font-size:.85rem}\n" \
	"canvas{display:block;width:100%;height:clamp(180px,32vh,420px)}\n" \
	".scroll{overflow-x:auto}\n" \
	"table{width:100%;border-collapse:collapse;font-size:.92rem}\n" \
	"th,td{text-align:left;padding:.3rem .45rem;border-bottom:1px solid var(--line);\n" \
	"vertical-align:top}\n" \
	"th{color:var(--dim);font-weight:600}\n" \
	"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n" \
	"td.addr{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85rem;overflow-wrap:anywhere}\n" \
	".sev{display:inline-block;min-width:1.6rem;text-align:center;border-radius:.3rem;\n" \
	"font-weight:700;padding:0 .3rem}\n" \
	".sev-1 .sev{background:var(--bad);color:#000}.sev-2 .sev{background:var(--warn);color:#000}\n" \
	".sev-3 .sev{background:var(--s3);color:#000}.sev-4 .sev{background:var(--line)}\n" \
	".bar{height:.5rem;background:var(--line);border-radius:.25rem;overflow:hidden;min-width:4rem}\n" \
	".bar i{display:block;height:100%;background:var(--acc)}\n" \
	"footer{padding:0 1rem 1rem;color:var(--dim);font-size:.8rem}\n" \
	"</style>\n" \
	"</head>\n" \
	"<body>\n" \
	"<header>\n" \
	"<h1>vigia <span id=\"sensor\" class=\"dim\"></span></h1>\n" \
	"<span id=\"conn\" class=\"pill\">connecting</span>\n" \
	"<span id=\"meta\" class=\"dim\"></span>\n" \
	"</header>\n" \
	"<main>\n" \
	"<section class=\"card wide\" aria-label=\"summary\">\n" \
	"<div class=\"kpis\">\n" \
	"<div class=\"kpi\"><b id=\"k-pps\">-</b><span>packets/s</span></div>\n" \
	"<div class=\"kpi\"><b id=\"k-bps\">-</b><span>bits/s</span></div>\n" \
	"<div class=\"kpi\"><b id=\"k-flows\">-</b><span>active flows</span></div>\n" \
	"<div class=\"kpi\"><b id=\"k-alerts\">-</b><span>alerts</span></div>\n" \
	"<div class=\"kpi\"><b id=\"k-drops\">-</b><span>drops</span></div>\n" \
	"</div>\n" \
	"</section>\n" \
	"<section class=\"card wide\">\n" \
	"<h2>Packets per second, last 2 minutes</h2>\n" \
	"<canvas id=\"pps-chart\" role=\"img\" aria-label=\"packets per second over the last 120 seconds\"></canvas>\n" \
	"</section>\n" \
	"<section class=\"card wide\">\n" \
	"<h2>Recent alerts</h2>\n" \
	"<div class=\"scroll\"><table id=\"alerts\">\n" \
	"<thead><tr><th>Sev</th><th>Time (UTC)</th><th>Signature</th><th>Source &rarr; destination</th></tr></thead>\n" \
	"<tbody></tbody></table></div>\n" \
	"</section>\n" \
	"<section class=\"card\">\n" \
	"<h2>Top applications</h2>\n" \
	"<div class=\"scroll\"><table id=\"top-apps\">\n" \
	"<thead><tr><th>Application</th><th class=\"n\">Bytes</th><th class=\"n\">Flows</th></tr></thead>\n" \
	"<tbody></tbody></table></div>\n" \
	"</section>\n" \
	"<section class=\"card\">\n" \
	"<h2>Top talkers</h2>\n" \
	"<div class=\"scroll\"><table id=\"top-talkers\">\n" \
	"<thead><tr><th>Source</th><th class=\"n\">Bytes</th><th class=\"n\">Flows</th></tr></thead>\n" \
	"<tbody></tbody></table></div>\n" \
	"</section>\n" \
	"<section class=\"card\">\n" \
	"<h2>Health</h2>\n" \
	"<table id=\"health\"><tbody></tbody></table>\n" \
	"</section>\n" \
	"<section class=\"card\">\n" \
	"<h2>Workers</h2>\n" \
	"<table id=\"workers\">\n" \
	"<thead><tr><th>Worker</th><th class=\"n\">Packets</th><th>Busy</th></tr></thead>\n" \
	"<tbody></tbody></table>\n" \
	"</section>\n" \
	"</main>\n" \
	"<footer>Top tables: last <span id=\"window\">5</span> minutes of packet time. Updated <span id=\"updated\">never</span>.</footer>\n" \
	"<script>"

#define STATUS_PAGE_SCRIPT \
	"\n" \
	"'use strict';\n" \
	"(function () {\n" \
	"  var last = null;\n" \
	"  function $(id) { return document.getElementById(id); }\n" \
	"  function el(tag, text, cls) {\n" \
	"    var e = document.createElement(tag);\n" \
	"    if (text !== undefined && text !== null) e.textContent = String(text);\n" \
	"    if (cls) e.className = cls;\n" \
	"    return e;\n" \
	"  }\n" \
	"  function si(v, unit) {\n" \
	"    v = Number(v) || 0;\n" \
	"    var p = ['', 'k', 'M', 'G', 'T', 'P'], i = 0;\n" \
	"    while (Math.abs(v) >= 1000 && i < p.length - 1) { v /= 1000; i++; }\n" \
	"    var s = String(parseFloat(v.toFixed(Math.abs(v) < 10 ? 2 : Math.abs(v) < 100 ? 1 : 0)));\n" \
	"    return s + (p[i] || '') + (unit || '');\n" \
	"  }\n" \
	"  function bytes(v) { return si(v, 'B'); }\n" \
	"  function duration(s) {\n" \
	"    s = Math.floor(Number(s) || 0);\n" \
	"    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);\n" \
	"    return (d ? d + 'd ' : '') + (d || h ? h + 'h ' : '') + m + 'm ' + (s % 60) + 's';\n" \
	"  }\n" \
	"  function endpoint(a, port) {\n" \
	"    a = String(a || '?');\n" \
	"    if (!port) return a;\n" \
	"    return (a.indexOf(':') >= 0 ? '[' + a + ']' : a) + ':' + port;\n" \
	"  }\n" \
	"  function fill(id, rows, make, cols) {\n" \
	"    var tb = $(id).tBodies[0], frag = document.createDocumentFragment();\n" \
	"    if (!rows || !rows.length) {\n" \
	"      var tr = el('tr'), td = el('td', 'nothing yet', 'dim');\n" \
	"      td.colSpan = cols;\n" \
	"      tr.appendChild(td);\n" \
	"      frag.appendChild(tr);\n" \
	"    } else {\n" \
	"      rows.forEach(function (r) { frag.appendChild(make(r)); });\n" \
	"    }\n" \
	"    tb.replaceChildren(frag);\n" \
	"  }\n" \
	"  function row(cells, cls) {\n" \
	"    var tr = el('tr', null, cls);\n" \
	"    cells.forEach(function (c) { tr.appendChild(c); });\n" \
	"    return tr;\n" \
	"  }\n" \
	"  function pill(text, cls) { return el('span', text, 'pill ' + cls); }\n" \
	"  function kv(label, value) {\n" \
	"    var td = el('td');\n" \
	"    if (value instanceof Node) td.appendChild(value); else td.textContent = String(value);\n" \
	"    return row([el('th', label), td]);\n" \
	"  }\n" \
	"\n" \
	"  function niceStep(max, n) {\n" \
	"    var raw = max / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));\n" \
	"    var f = raw / mag;\n" \
	"    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;\n" \
	"  }\n" \
	"  function drawChart(series) {\n" \
	"    var c = $('pps-chart'), ctx = c.getContext && c.getContext('2d');\n" \
	"    if (!ctx) return;\n" \
	"    var dpr = window.devicePixelRatio || 1;\n" \
	"    var w = c.clientWidth || 600, h = c.clientHeight || 240;\n" \
	"    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {\n" \
	"      c.width = Math.round(w * dpr);\n" \
	"      c.height = Math.round(h * dpr);\n" \
	"    }\n" \
	"    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);\n" \
	"    ctx.clearRect(0, 0, w, h);\n" \
	"    var css = getComputedStyle(document.documentElement);\n" \
	"    var fg = css.getPropertyValue('--dim').trim() || '#889', grid = css.getPropertyValue('--line').trim() || '#333';\n" \
	"    var acc = css.getPropertyValue('--acc').trim() || '#4af';\n" \
	"    var fs = Math.max(11, Math.min(18, w / 50));\n" \
	"    ctx.font = fs + 'px system-ui, sans-serif';\n" \
	"    var t = (series && series.t) || [], v = (series && series.pps) || [];\n" \
	"    var max = 0;\n" \
	"    v.forEach(function (x) { if (x > max) max = x; });\n" \
	"    var step = niceStep(max > 0 ? max : 1, 4), top = Math.ceil((max > 0 ? max : 1) / step) * step;\n" \
	"    var left = ctx.measureText(si(top)).width + fs * 2.2, right = ctx.measureText('now').width / 2 + 6;\n" \
	"    var tp = fs * 0.8, bottom = fs * 2.8;\n" \
	"    var pw = Math.max(10, w - left - right), ph = Math.max(10, h - tp - bottom);\n" \
	"    var span = 120, tmax = t.length ? t[t.length - 1] : 0;\n" \
	"    function X(s) { return left + pw * (1 + (s - tmax) / span); }\n" \
	"    function Y(x) { return tp + ph * (1 - x / top); }\n" \
	"    ctx.strokeStyle = grid; ctx.fillStyle = fg; ctx.lineWidth = 1;\n" \
	"    ctx.textAlign = 'right'; ctx.textBaseline = 'middle';\n" \
	"    for (var y = 0; y <= top + step / 2; y += step) {\n" \
	"      ctx.beginPath(); ctx.moveTo(left, Y(y)); ctx.lineTo(left + pw, Y(y)); ctx.stroke();\n" \
	"      ctx.fillText(si(y), left - 6, Y(y));\n" \
	"    }\n" \
	"    ctx.textAlign = 'center'; ctx.textBaseline = 'top';\n" \
	"    for (var s = 0; s <= span; s += 30) {\n" \
	"      var x = left + pw * (1 - s / span);\n" \
	"      ctx.beginPath(); ctx.moveTo(x, tp); ctx.lineTo(x, tp + ph); ctx.stroke();\n" \
	"      ctx.fillText(s === 0 ? 'now' : '-' + s + 's', x, tp + ph + 4);\n" \
	"    }\n" \
	"    ctx.fillText('time (seconds ago)', left + pw / 2, tp + ph + fs * 1.5);\n" \
	"    ctx.save();\n" \
	"    ctx.translate(fs * 0.2, tp + ph / 2); ctx.rotate(-Math.PI / 2);\n" \
	"    ctx.textBaseline = 'top'; ctx.fillText('packets/s', 0, 0);\n" \
	"    ctx.restore();\n" \
	"    ctx.strokeStyle = grid; ctx.beginPath();\n" \
	"    ctx.moveTo(left, tp); ctx.lineTo(left, tp + ph); ctx.lineTo(left + pw, tp + ph); ctx.stroke();\n" \
	"    if (!t.length) {\n" \
	"      ctx.textAlign = 'center'; ctx.textBaseline = 'middle';\n" \
	"      ctx.fillText('waiting for samples', left + pw / 2, tp + ph / 2);\n" \
	"      return;\n" \
	"    }\n" \
	"    ctx.save();\n" \
	"    ctx.beginPath(); ctx.rect(left, tp, pw, ph); ctx.clip();\n" \
	"    ctx.beginPath();\n" \
	"    for (var i = 0; i < t.length; i++) {\n" \
	"      if (i === 0) ctx.moveTo(X(t[i]), Y(v[i])); else ctx.lineTo(X(t[i]), Y(v[i]));\n" \
	"    }\n" \
	"    ctx.strokeStyle = acc; ctx.lineWidth = 2; ctx.stroke();\n" \
	"    ctx.lineTo(X(t[t.length - 1]), Y(0)); ctx.lineTo(X(t[0]), Y(0)); ctx.closePath();\n" \
	"    ctx.globalAlpha = 0.15; ctx.fillStyle = acc; ctx.fill();\n" \
	"    ctx.restore();\n" \
	"    /* what was drawn, for tests and assistive tools */\n" \
	"    c.setAttribute('data-points', String(t.length));\n" \
	"    c.setAttribute('data-max', String(max));\n" \
	"  }\n" \
	"\n" \
	"  function render(d) {\n" \
	"    last = d;\n" \
	"    var m = d.snapshot || {}, h = d.health || {}, sink = h.sink || {}, pol = h.policy || {};\n" \
	"    $('sensor').textContent = m.sensor || '';\n" \
	"    $('meta').textContent = 'v' + (m.version || '?') + ' \\u00b7 up ' + duration(m.uptime_s);\n" \
	"    $('k-pps').textContent = si((d.rate || {}).pps);\n" \
	"    $('k-bps').textContent = si(((d.rate || {}).bytes_ps || 0) * 8);\n" \
	"    $('k-flows').textContent = si((m.flows || {}).active);\n" \
	"    var alerts = 0, drops = 0, k;\n" \
	"    (m.alerts_by_detector || []).forEach(function (a) { alerts += a.count; });\n" \
	"    for (k in (m.drops || {})) drops += m.drops[k];\n" \
	"    $('k-alerts').textContent = si(alerts);\n" \
	"    $('k-drops').textContent = si(drops);\n" \
	"    $('window').textContent = String(Math.round((d.window_s || 300) / 60));\n" \
	"    drawChart(d.series);\n" \
	"    fill('alerts', d.alerts, function (a) {\n" \
	"      var sev = el('td'); sev.appendChild(el('span', a.severity, 'sev'));\n" \
	"      var ts = String(a.timestamp || ''), tm = el('td', ts.slice(11, 19), 'n');\n" \
	"      tm.title = ts;\n" \
	"      var sig = el('td', a.signature);\n" \
	"      sig.title = 'sid ' + a.signature_id + (a.detector ? ' \\u00b7 ' + a.detector : '') +\n" \
	"        (a.category ? ' \\u00b7 ' + a.category : '') + (a.segment ? ' \\u00b7 ' + a.segment : '');\n" \
	"      var ep = el('td', endpoint(a.src, a.src_port) + ' \\u2192 ' + endpoint(a.dest, a.dest_port), 'addr');\n" \
	"      return row([sev, tm, sig, ep], 'alert-row sev-' + Number(a.severity));\n" \
	"    }, 4);\n" \
	"    fill('top-apps', d.top_apps, function (r) {\n" \
	"      return row([el('td', r.app), el('td', bytes(r.bytes), 'n'), el('td', r.flows, 'n')]);\n" \
	"    }, 3);\n" \
	"    fill('top-talkers', d.top_talkers, function (r) {\n" \
	"      return row([el('td', r.src, 'addr'), el('td', bytes(r.bytes), 'n'), el('td', r.flows, 'n')]);\n" \
	"    }, 3);\n" \
	"    var hb = document.createDocumentFragment();\n" \
	"    var st = String(sink.state || 'disabled');\n" \
	"    hb.appendChild(kv('Redis sink', pill(st, st === 'connected' ? 'ok' : st === 'down' ? 'bad' : '')));\n" \
	"    if (st !== 'disabled') {\n" \
	"      hb.appendChild(kv('Sent / pending', si(sink.sent) + ' / ' + si(sink.pending)));\n" \
	"      hb.appendChild(kv('Spooled / reconnects', si(sink.spooled) + ' / ' + si(sink.reconnects)));\n" \
	"    }\n" \
	"    hb.appendChild(kv('Sink drops', si(sink.dropped)));\n" \
	"    hb.appendChild(kv('Event queue drops', si(sink.events_dropped)));\n" \
	"    var ps = String(pol.state || 'none');\n" \
	"    hb.appendChild(kv('Policy', pill(ps + (pol.hash ? ' ' + String(pol.hash).slice(0, 12) : ''),\n" \
	"      ps === 'loaded' ? 'ok' : '')));\n" \
	"    hb.appendChild(kv('Reloads ok / failed', si(pol.reloads_ok) + ' / ' + si(pol.reloads_failed)));\n" \
	"    var nic = m.drops || {};\n" \
	"    hb.appendChild(kv('NIC missed / no mbuf', si(nic.nic_missed) + ' / ' + si(nic.nic_nombuf)));\n" \
	"    hb.appendChild(kv('Hand-over ring full', si(nic.ring_full)));\n" \
	"    $('health').tBodies[0].replaceChildren(hb);\n" \
	"    fill('workers', m.workers, function (wk) {\n" \
	"      var b = el('div', null, 'bar'), i = el('i'), r = Math.max(0, Math.min(1, Number(wk.busy_ratio) || 0));\n" \
	"      i.style.width = (r * 100).toFixed(1) + '%';\n" \
	"      b.appendChild(i);\n" \
	"      b.title = (r * 100).toFixed(1) + '%';\n" \
	"      var bt = el('td'); bt.appendChild(b);\n" \
	"      return row([el('td', wk.id), el('td', si(wk.packets), 'n'), bt]);\n" \
	"    }, 3);\n" \
	"    $('updated').textContent = new Date().toLocaleTimeString();\n" \
	"  }\n" \
	"  function conn(ok, text) {\n" \
	"    var c = $('conn');\n" \
	"    c.textContent = text;\n" \
	"    c.className = 'pill ' + (ok ? 'ok' : 'bad');\n" \
	"  }\n" \
	"  function poll() {\n" \
	"    fetch('api/status', { cache: 'no-store' }).then(function (r) {\n" \
	"      if (!r.ok) throw new Error('HTTP ' + r.status);\n" \
	"      return r.json();\n" \
	"    }).then(function (d) {\n" \
	"      render(d);\n" \
	"      conn(true, 'live');\n" \
	"    }).catch(function (e) {\n" \
	"      conn(false, 'no data: ' + (e && e.message ? e.message : 'error'));\n" \
	"    }).then(function () { setTimeout(poll, 1000); });\n" \
	"  }\n" \
	"  window.addEventListener('resize', function () { if (last) drawChart(last.series); });\n" \
	"  drawChart(null);\n" \
	"  poll();\n" \
	"})();\n"

#define STATUS_PAGE_TAIL \
	"</script>\n" \
	"</body>\n" \
	"</html>\n"

/* The whole page: one string literal. */
#define STATUS_PAGE STATUS_PAGE_HEAD STATUS_PAGE_SCRIPT STATUS_PAGE_TAIL

#endif
