"""The report's inline CSS and JavaScript: a report is one file that opens offline (no CDN)."""

CSS = """
body{font-family:Helvetica,Arial,sans-serif;margin:0 auto;max-width:1200px;padding:16px;color:#222}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:20px 0 8px;border-bottom:1px solid #ddd}
.badge{display:inline-block;padding:2px 8px;border-radius:10px;border:1px solid #333;font-size:13px}
.o-succeeded{background:#d3f2dc}.o-failed{background:#f9d0d0}.o-caught{background:#ffe2b8}
.o-retried{background:#fff2b3}.o-running{background:#cfe3ff}.o-reused{background:#e3e8ef}
.o-not-reached{background:#f4f4f4;border-style:dashed}
dl.summary{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
dl.summary dt{font-weight:bold}
.legend span{margin-right:8px}
#graph{overflow:auto;border:1px solid #eee;padding:8px}
g.node{cursor:pointer} g.node:focus rect,g.node:hover rect{stroke-width:3}
#details pre,.item pre{background:#f7f7f7;border:1px solid #e3e3e3;padding:8px;max-height:320px;overflow:auto;
 white-space:pre-wrap;word-break:break-word}
.attempt{border-left:4px solid #bbb;padding:4px 10px;margin:8px 0}
.error{color:#8a1010;font-weight:bold}
table{border-collapse:collapse;width:100%} td,th{padding:3px 6px;text-align:left;vertical-align:top;font-size:13px}
tr.row{cursor:pointer} tr.row:hover{background:#f3f6fb}
.bar-cell{width:55%} .bar{height:14px;border:1px solid #555;border-radius:3px;min-width:2px;position:relative}
.note{fill:#333}
"""

JS = """
(function () {
  var data = JSON.parse(document.getElementById('dorc-data').textContent);
  var panel = document.getElementById('details');
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }
  function payload(title, p) {
    var box = el('div');
    box.appendChild(el('h4', title));
    if (!p) { box.appendChild(el('p', '(none)')); return box; }
    box.appendChild(el('pre', p.text + (p.truncated ? '\\n...' : '')));
    if (p.href) {
      var a = el('a', 'the whole payload (' + (p.bytes || '?') + ' bytes)');
      a.href = p.href; box.appendChild(a);
    }
    return box;
  }
  function show(name) {
    var s = data.states[name];
    if (!s) return;
    panel.innerHTML = '';
    var head = el('h3', name + ' (' + s.type + ') ');
    head.appendChild(el('span', s.label, 'badge o-' + s.outcome));
    panel.appendChild(head);
    if (!s.attempts.length) {
      panel.appendChild(el('p', s.outcome === 'reused' ? 'Not run again: its result came from the parent run.'
                                                        : 'This state did not run.'));
    }
    s.attempts.forEach(function (a) {
      var box = el('div', null, 'attempt o-' + a.outcome);
      box.setAttribute('data-status', a.status);
      var where = a.scope ? ' in ' + a.scope : '';
      box.appendChild(el('p', 'Attempt ' + (a.attempt + 1) + where + ': ' + a.status + ', started at +' +
        a.started_ms + ' ms, took ' + a.duration_ms + ' ms' +
        (a.handler_ms ? ' (handler ' + a.handler_ms.toFixed(1) + ' ms)' : '')));
      if (a.error) box.appendChild(el('p', 'Error: ' + a.error + (a.cause ? ': ' + a.cause : ''), 'error'));
      if (a.stack && a.stack.length) box.appendChild(el('pre', a.stack.join('\\n')));
      box.appendChild(payload('Input', a.input));
      if (a.output) box.appendChild(payload('Output', a.output));
      if (a.lines.length) { box.appendChild(el('h4', 'Logs')); box.appendChild(el('pre', a.lines.join('\\n'))); }
      panel.appendChild(box);
    });
    if (s.more_attempts) panel.appendChild(el('p', s.more_attempts + ' more runs of this state not shown'));
    panel.scrollIntoView({block: 'nearest'});
  }
  document.querySelectorAll('[data-state]').forEach(function (node) {
    node.addEventListener('click', function () { show(node.getAttribute('data-state')); });
    node.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); show(node.getAttribute('data-state')); }
    });
  });
})();
"""
