// Starts loading the clinic's video SDK with the consultation page when this browser remembers
// the clinic's provider (src/call/mod.rs, `remember_provider`: localStorage
// `teleconsult-provider`, the provider's wire name), so that it downloads and runs while the
// app's wasm loads instead of after the join request. The file is the one the page's
// <meta name="teleconsult-{provider}-sdk"> names (`ProviderKind::sdk_meta`, whose core test keeps
// that rule); the app imports the same URL when the call starts (src/bindings/sfu.rs,
// `asset_url`), and a module runs once. A missing or malformed entry (or `p2p`) loads nothing, a
// stale one a file the call does not use; the join answer corrects the entry. A failure here is
// the app's to report when it imports the file itself.
//
// scripts/trunk-post-build.mjs writes this file into consultation.html where it says
// <!-- starter: sdk-starter.js -->, as scripts/catalogue-starter.js.
try {
  const provider = localStorage.getItem('teleconsult-provider');
  const meta = document.getElementsByName(`teleconsult-${provider}-sdk`)[0];
  if (meta && meta.content) import(new URL(meta.content, document.baseURI).href).catch(() => {});
} catch (storageRefused) {}
