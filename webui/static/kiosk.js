// Kiosk mode (CNNDEMO_KIOSK=1): after __IDLE__ seconds without a touch, a pointer or a key,
// and only if someone used the page, load it afresh: a clean pad, the default model and the
// default language for the next student, whatever the last one opened, scrolled or zoomed.
() => {
  const IDLE_MS = __IDLE__ * 1000;
  let used = false;
  let last = Date.now();
  const touched = () => { used = true; last = Date.now(); };
  for (const type of ['pointerdown', 'keydown', 'wheel', 'touchstart', 'input']) {
    window.addEventListener(type, touched, { capture: true, passive: true });
  }
  // No long-press menu, no text selection: a touch is always a touch on the app.
  window.addEventListener('contextmenu', (e) => e.preventDefault(), { capture: true });
  document.documentElement.classList.add('cnndemo-kiosk');
  window.cnndemoKiosk = { idleMs: IDLE_MS, resets: 0 };
  setInterval(() => {
    if (used && Date.now() - last >= IDLE_MS) {
      used = false;
      window.location.replace(window.location.pathname);  // drops ?lang= too
    }
  }, 1000);
  return [];
}
