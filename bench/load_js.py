"""The JavaScript the load test installs in and evaluates on every page (bench/load_test.py).

INIT_JS times one click in the page itself (browser clock): the trusted ``pointerdown``, the
widget's rerun request, the server's ``script_finished`` message, and the page rendered with no
stale element left.
"""
from __future__ import annotations

# Installed in every page before the app loads: remember the time of the last trusted click and
# whether a script run started after it (Streamlit's stApp carries data-test-script-state).
INIT_JS = """
(() => {
  // Timing of one click: pointerdown -> the widget's rerun request (WebSocket send) -> the server's
  // ForwardMsg.script_finished (field 6; 0 = finished, 3 = fragment finished; 2 = stopped early for
  // a rerun, so keep waiting) -> the page rendered with no stale element left.  Reading the message
  // itself keeps the timing right when React batches the "running"/"notRunning" renders (CPU
  // starvation), where the data-test-script-state attribute never changes.
  const L = window.__lt = {click: 0, sent: false, finished: false, done: 0};
  const idle = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
      && !document.querySelector('[data-testid="stElementContainer"][data-stale="true"]');
  };
  const check = () => {
    if (!L.finished || L.done) return;
    if (idle()) { L.done = performance.now(); return; }
    requestAnimationFrame(check);
  };
  const scriptFinished = (buf) => {         // top-level protobuf fields of a ForwardMsg
    const b = new Uint8Array(buf); let i = 0;
    const varint = () => {
      let x = 0, s = 1, c;
      do { c = b[i++]; x += (c & 127) * s; s *= 128; } while (c & 128 && i < b.length);
      return x;
    };
    while (i < b.length) {
      const key = varint(), field = Math.floor(key / 8), wire = key & 7;
      if (wire === 0) { const v = varint(); if (field === 6) return v; }
      else if (wire === 2) { const n = varint(); i += n; }   // not `i += varint()`: i is read first
      else if (wire === 1) { i += 8; } else if (wire === 5) { i += 4; } else return null;
    }
    return null;
  };
  const onMessage = (ev) => {
    if (!L.sent || L.finished) return;
    const handle = (buf) => {
      const v = scriptFinished(buf);
      if (v === 0 || v === 1 || v === 3) { L.finished = true; L.fin = performance.now(); check(); }
    };
    if (ev.data instanceof ArrayBuffer) handle(ev.data);
    else if (ev.data instanceof Blob) ev.data.arrayBuffer().then(handle);
  };
  document.addEventListener('pointerdown', (e) => {
    if (e.isTrusted) Object.assign(L, {click: performance.now(), sent: false, finished: false, done: 0});
  }, true);
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (L.click && !L.done && !L.finished) L.sent = true;
    if (!this.__ltHooked) { this.__ltHooked = true; this.addEventListener('message', onMessage); }
    return send.call(this, data);
  };
  new MutationObserver(check).observe(document, {subtree: true, childList: true, attributes: true,
                                                 attributeFilter: ['data-test-script-state', 'data-stale']});
})();
"""
# The latency (ms) of the last click, once the rerun it triggered has finished and no stale element
# is left; the end time is taken in the page by the MutationObserver above (no polling error).
DONE_JS = ("() => (window.__lt && window.__lt.done) ? [Math.max(window.__lt.done - window.__lt.click, 0.001), "
           "window.__lt.fin - window.__lt.click] : false")
STATE_JS = """
() => ({sawRun: !!(window.__lt && window.__lt.sent), finished: !!(window.__lt && window.__lt.finished),
        state: (document.querySelector('[data-testid="stApp"]') || {getAttribute: () => null})
                 .getAttribute('data-test-script-state'),
        stale: document.querySelectorAll('[data-testid="stElementContainer"][data-stale="true"]').length,
        idle: !!document.querySelector('[data-testid="stApp"][data-test-script-state="notRunning"]')})
"""
IDLE_JS = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
    && !document.querySelector('[data-testid="stElementContainer"][data-stale="true"]');
}
"""
# Choices a session can make now: radio options not selected, checkboxes, nav links.
CHOICES_JS = """
() => {
  const out = [];
  const groups = [...document.querySelectorAll('[role="radiogroup"]')];
  groups.forEach((g, gi) => {
    if (!g.offsetParent) return;                          // inside a collapsed expander
    const name = g.getAttribute('aria-label') || '';
    for (const l of g.querySelectorAll('label')) {
      const i = l.querySelector('input');
      if (i && !i.checked && !i.disabled) out.push({kind: 'radio', group: name, gi, text: l.innerText.trim()});
    }
  });
  for (const c of document.querySelectorAll('[data-testid="stCheckbox"]')) {
    if (c.offsetParent) out.push({kind: 'checkbox', text: c.innerText.trim()});
  }
  return out;
}
"""
