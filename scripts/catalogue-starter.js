// Asks for a Bengali or Hindi reader's catalogue with the page, instead of once the app's wasm
// has started (src/i18n.rs, `start`, then fetches the same file and takes this answer): one round
// trip less before a page can show in the reader's language. The language is the one
// `teleconsult_core::i18n::Lang::negotiate` picks: the remembered choice
// (localStorage `teleconsult.lang`), else the first of the browser's languages the app is written
// in, by primary subtag; else English, which is compiled in. A wrong guess costs one unused file.
//
// scripts/trunk-post-build.mjs writes this file, without its comments and indentation, into both
// pages where they say <!-- starter: catalogue-starter.js -->, as an async inline module (a
// classic or deferred script would first wait for the stylesheet), allowed by each page's CSP
// through its hash (crates/server/src/csp.rs).
try {
  const ours = (tag) => ['en', 'bn', 'hi'].find((l) => l === `${tag}`.trim().split(/[-_]/)[0].toLowerCase());
  const lang = ours(localStorage.getItem('teleconsult.lang')) ?? navigator.languages.map(ours).find(Boolean) ?? 'en';
  if (lang !== 'en') {
    const link = Object.assign(document.createElement('link'), { rel: 'preload', as: 'fetch', href: `locales/${lang}.json` });
    link.crossOrigin = 'anonymous';
    document.head.append(link);
  }
} catch (storageRefused) {}
