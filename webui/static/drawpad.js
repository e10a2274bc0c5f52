// The drawing pad's behaviour: the body of gr.HTML's js_on_load (webui/drawpad.py reads
// this file at import). Gradio provides `element`, `props`, `trigger` and `watch`.
// CI checks its syntax with `node --check`.
const root = element.querySelector('.drawpad');
const canvas = root.querySelector('canvas.drawpad-canvas');
const ctx = canvas.getContext('2d');
const undoBtn = root.querySelector('button.drawpad-undo');
const clearBtn = root.querySelector('button.drawpad-clear');
const brushBtns = Array.from(root.querySelectorAll('button.drawpad-brush'));
const SIZE = parseInt(root.dataset.size, 10) || canvas.width;   // logical size: CSS pixels, pointer coordinates, strokes
// Sharp ink on HiDPI screens: a bitmap of SIZE x devicePixelRatio, drawn in SIZE units.
const DPR = Math.max(1, Math.min(3, window.devicePixelRatio || 1));
if (DPR !== 1) {
  canvas.width = canvas.height = Math.round(SIZE * DPR);
  ctx.setTransform(canvas.width / SIZE, 0, 0, canvas.height / SIZE, 0, 0);
}
const OUT = parseInt(root.dataset.out, 10) || 112;
const BRUSH = parseFloat(root.dataset.brush) || 18;
// Brush diameters (small, medium, large) from Python: cnndemo.data.pen_render.BRUSHES_PX.
const [THIN, MEDIUM, THICK] = (root.dataset.brushes || '').split(',').map(Number);
const SIZES = { small: THIN || BRUSH * 0.6, medium: MEDIUM || BRUSH, large: THICK || BRUSH * 1.5 };

let strokes = [];      // committed strokes: {w, pts: [[x, y], ...]}
let cur = null;        // stroke in progress
let activeId = null;   // pointerId of the stroke in progress
let brush = SIZES.medium;
let base = null;       // background image set from Python (optional)
let lastSent = props.value || '';
const dbg = { strokes: 0, emitted: 0 };
canvas.__drawpad = dbg;

const small = document.createElement('canvas');
small.width = small.height = OUT;
const sctx = small.getContext('2d');

function setup(c) {
  c.lineCap = 'round'; c.lineJoin = 'round';
  c.strokeStyle = '#fff'; c.fillStyle = '#fff';
}
function mid(a, b) { return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2]; }
function dot(p, w) {
  ctx.beginPath(); ctx.arc(p[0], p[1], w / 2, 0, Math.PI * 2); ctx.fill();
}
function drawStroke(s) {
  const p = s.pts, n = p.length;
  ctx.lineWidth = s.w;
  dot(p[0], s.w);
  if (n < 2) return;
  ctx.beginPath();
  ctx.moveTo(p[0][0], p[0][1]);
  let m = mid(p[0], p[1]);
  ctx.lineTo(m[0], m[1]);
  for (let i = 1; i < n - 1; i++) {
    m = mid(p[i], p[i + 1]);
    ctx.quadraticCurveTo(p[i][0], p[i][1], m[0], m[1]);
  }
  ctx.lineTo(p[n - 1][0], p[n - 1][1]);
  ctx.stroke();
}
function redraw() {
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, SIZE, SIZE);
  if (base) ctx.drawImage(base, 0, 0, SIZE, SIZE);
  setup(ctx);
  for (const s of strokes) drawStroke(s);
  if (cur) drawStroke(cur);
  root.dataset.strokes = String(strokes.length);
  dbg.strokes = strokes.length;
}
function isEmpty() { return strokes.length === 0 && !base; }
function exportValue() {
  if (isEmpty()) return '';
  sctx.imageSmoothingEnabled = true;
  sctx.imageSmoothingQuality = 'high';
  sctx.fillStyle = '#000';
  sctx.fillRect(0, 0, OUT, OUT);
  sctx.drawImage(canvas, 0, 0, OUT, OUT);
  return small.toDataURL('image/png');
}
function emit() {
  const v = exportValue();
  lastSent = v;
  dbg.emitted += 1;
  if (props.value === v) {
    trigger('change');        // same value: Gradio would not fire by itself
  } else {
    props.value = v;          // Gradio's HTML wrapper dispatches 'change'
  }
}
function pos(e) {
  // Displayed size may differ from SIZE (max-width: 100%, zoom): map back.
  const r = canvas.getBoundingClientRect();
  const x = (e.clientX - r.left) * SIZE / (r.width || SIZE);
  const y = (e.clientY - r.top) * SIZE / (r.height || SIZE);
  return [Math.max(0, Math.min(SIZE, x)), Math.max(0, Math.min(SIZE, y))];
}
function addPoint(q) {
  const p = cur.pts, n = p.length, last = p[n - 1];
  if (Math.abs(q[0] - last[0]) + Math.abs(q[1] - last[1]) < 0.75) return;
  p.push(q);
  ctx.lineWidth = cur.w;
  const a = n >= 2 ? mid(p[n - 2], last) : last;
  const b = mid(last, q);
  ctx.beginPath();
  ctx.moveTo(a[0], a[1]);
  ctx.quadraticCurveTo(last[0], last[1], b[0], b[1]);
  ctx.stroke();
}
function finish(e, commit) {
  if (cur === null || (e && e.pointerId !== activeId)) return;
  const s = cur;
  cur = null;
  activeId = null;
  try { if (e && canvas.hasPointerCapture(e.pointerId)) canvas.releasePointerCapture(e.pointerId); } catch (_) {}
  if (!commit || s.pts.length === 0) { redraw(); return; }
  const p = s.pts, n = p.length;
  if (n >= 2) {   // close the smoothed path up to the last point
    const a = mid(p[n - 2], p[n - 1]);
    ctx.lineWidth = s.w;
    ctx.beginPath(); ctx.moveTo(a[0], a[1]); ctx.lineTo(p[n - 1][0], p[n - 1][1]); ctx.stroke();
  }
  strokes.push(s);
  root.dataset.strokes = String(strokes.length);
  dbg.strokes = strokes.length;
  emit();
}

canvas.addEventListener('pointerdown', (e) => {
  if (cur !== null) return;                      // ignore a second finger
  if (e.pointerType === 'mouse' && e.button !== 0) return;
  e.preventDefault();
  try { canvas.setPointerCapture(e.pointerId); } catch (_) {}
  activeId = e.pointerId;
  const q = pos(e);
  cur = { w: brush, pts: [q] };
  setup(ctx);
  ctx.lineWidth = brush;
  dot(q, brush);
});
canvas.addEventListener('pointermove', (e) => {
  if (cur === null || e.pointerId !== activeId) return;
  e.preventDefault();
  const evs = (typeof e.getCoalescedEvents === 'function' && e.getCoalescedEvents()) || [];
  if (evs.length) { for (const c of evs) addPoint(pos(c)); } else { addPoint(pos(e)); }
});
canvas.addEventListener('pointerup', (e) => {
  if (cur === null || e.pointerId !== activeId) return;
  e.preventDefault();
  addPoint(pos(e));
  finish(e, true);
});
// A cancelled stroke that already put ink on the canvas is kept and sent.
canvas.addEventListener('pointercancel', (e) => finish(e, true));
canvas.addEventListener('lostpointercapture', (e) => finish(e, true));
canvas.addEventListener('contextmenu', (e) => e.preventDefault());
canvas.addEventListener('touchstart', (e) => e.preventDefault(), { passive: false });
canvas.addEventListener('touchmove', (e) => e.preventDefault(), { passive: false });

undoBtn.addEventListener('click', () => {
  if (cur !== null || strokes.length === 0) return;
  strokes.pop();
  redraw();
  emit();
});
clearBtn.addEventListener('click', () => {
  cur = null;
  activeId = null;
  strokes = [];
  base = null;
  redraw();
  emit();
});
for (const b of brushBtns) {
  b.addEventListener('click', () => {
    brush = SIZES[b.dataset.brush] || SIZES.medium;
    for (const o of brushBtns) o.setAttribute('aria-pressed', o === b ? 'true' : 'false');
  });
}

// Value set from Python: "" clears the pad, a data URL becomes the background.
watch('value', () => {
  const v = props.value || '';
  if (v === lastSent) return;
  lastSent = v;
  if (!v) { strokes = []; base = null; redraw(); return; }
  if (typeof v === 'string' && v.startsWith('data:image/')) {
    const img = new Image();
    img.onload = () => { strokes = []; base = img; redraw(); };
    img.src = v;
  }
});

// Words in the page's language: every element with data-<lang>-text / -title / -aria.
function applyLang(lang) {
  for (const el of root.querySelectorAll('[data-' + lang + '-text], [data-' + lang + '-title], [data-' + lang + '-aria]')) {
    const d = el.dataset;
    if (d[lang + 'Text'] !== undefined) el.textContent = d[lang + 'Text'];
    if (d[lang + 'Title'] !== undefined) el.title = d[lang + 'Title'];
    if (d[lang + 'Aria'] !== undefined) el.setAttribute('aria-label', d[lang + 'Aria']);
  }
}
if (window.cnndemoLang) applyLang(window.cnndemoLang);
window.addEventListener('cnndemo-lang', (e) => applyLang(e.detail));

redraw();
if (lastSent && lastSent.startsWith('data:image/')) {
  const img = new Image();
  img.onload = () => { base = img; redraw(); };
  img.src = lastSent;
}
root.dataset.ready = '1';
