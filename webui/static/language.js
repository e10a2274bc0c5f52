// Choose the page's language and tell Gradio's translations (gr.I18n) and the drawing pad.
// Used as the `js` of the page's load event and of the language switch: it receives the
// language asked for ("" on load) and returns the one chosen, which the Python side stores.
//   order: the argument (the switch), ?lang=ko|en, the browser's language if Korean or
//   English, else the server's default (CNNDEMO_LANG, filled in by webui/language.py).
// Gradio 6.31 reads the browser's language once; its own Settings panel switches with the
// changeLocale function of its core module, which we call the same way.
(asked) => {
  const LANGS = ['ko', 'en'];
  const DEFAULT = '__DEFAULT__';
  let lang = LANGS.includes(asked) ? asked : null;
  const params = new URLSearchParams(window.location.search);
  if (!lang && LANGS.includes(params.get('lang'))) lang = params.get('lang');
  if (!lang) {
    const browser = (navigator.language || '').slice(0, 2).toLowerCase();
    lang = LANGS.includes(browser) ? browser : DEFAULT;
  }
  window.cnndemoLang = lang;
  const html = document.documentElement;
  if (LANGS.includes(asked)) {  // a switch: keep the choice in the address for a reload
    params.set('lang', lang);
    window.history.replaceState(null, '', window.location.pathname + '?' + params.toString());
  }
  const core = performance.getEntriesByType('resource').map((e) => e.name)
    .find((name) => /\/assets\/core-[^/]+\.js$/.test(name));
  // The page's head hides the page (class cnndemo-wording) until it is drawn in `lang`: Gradio's
  // texts in it (Gradio marks <html lang> once they are: loading a language takes a moment) and
  // the title and header above the pad drawn (under load they can come after the pad).
  const worded = () => (html.lang || '').slice(0, 2) === lang;
  const drawn = () => worded() && ['#title', '#header'].every((id) => (document.querySelector(id)?.textContent || '').trim());
  const show = () => requestAnimationFrame(() => html.classList.remove('cnndemo-wording'));
  if (html.classList.contains('cnndemo-wording') && !drawn()) {
    const observer = new MutationObserver(() => { if (drawn()) { observer.disconnect(); show(); } });
    observer.observe(html, { attributes: true, attributeFilter: ['lang'], childList: true, subtree: true, characterData: true });
  } else {
    show();
  }
  if (!core) html.lang = lang;
  else if (!worded()) import(core).then((m) => m.changeLocale(lang)).catch(() => { html.lang = lang; });
  window.dispatchEvent(new CustomEvent('cnndemo-lang', { detail: lang }));
  return lang;
}
