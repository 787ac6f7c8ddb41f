// Trunk post-build hook: ships LiveKit's browser SDK (npm livekit-client, pinned in
// package-lock.json), its end-to-end-encryption worker and Twilio Video's SDK (npm twilio-video,
// pinned) in dist/ under content-hashed names, and writes those names into consultation.html's
// <meta name="teleconsult-livekit-sdk">, <meta name="teleconsult-livekit-e2ee-worker"> and
// <meta name="teleconsult-twilio-sdk">. The app loads each only when a call of that provider
// starts (the worker only for an encrypted one), so sign-in and the dashboards never fetch them.
// Hashed names are cached as immutable by the reference server (and should be by any CDN).
// The SDK is the minified UMD build: 154 KB gzip against 318 KB for the unminified ESM build;
// import()ed as a module it defines globalThis.LivekitClient.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants as zlib } from 'node:zlib';
import { gzipAsync } from '@gfx/zopfli';

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) throw new Error('run by Trunk as a post_build hook (TRUNK_STAGING_DIR is unset)');
// The consultation page (consultation.html, which Trunk writes as the staging's index.html) names
// the SDKs; the main app has no call code and no placeholders, so its build ships none of them.
const pagePath = join(staging, 'index.html');
let page = readFileSync(pagePath, 'utf8');
if (page.includes('<meta name="teleconsult-livekit-sdk" content="" />')) {
  // Each file under a content-hashed name, named in its <meta> placeholder. The E2EE worker is
  // the SDK's classic (UMD) build, for `new Worker(url)`.
  for (const [meta, source, stem] of [
    ['teleconsult-livekit-sdk', 'node_modules/livekit-client/dist/livekit-client.umd.js', 'livekit-client'],
    ['teleconsult-livekit-e2ee-worker', 'node_modules/livekit-client/dist/livekit-client.e2ee.worker.js', 'livekit-e2ee-worker'],
    // Twilio Video's minified browser build (89 KB gzip); import()ed it defines globalThis.Twilio.Video.
    ['teleconsult-twilio-sdk', 'node_modules/twilio-video/dist/twilio-video.min.js', 'twilio-video'],
  ]) {
    const bytes = readFileSync(source);
    const name = `${stem}-${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}.js`;
    writeFileSync(join(staging, name), bytes);
    const placeholder = `<meta name="${meta}" content="" />`;
    if (!page.includes(placeholder)) throw new Error(`consultation.html lacks ${placeholder}`);
    page = page.replace(placeholder, `<meta name="${meta}" content="${name}" />`);
  }
  writeFileSync(pagePath, page);
}

// The small scripts a page runs before its wasm (scripts/catalogue-starter.js on both pages,
// scripts/sdk-starter.js on the consultation page), each written in where the page says
// <!-- starter: <file> --> as an async inline module, without its comments and indentation (the
// reasons stay in the file; the page's bytes are every visitor's). Every page has the catalogue's.
{
  let html = readFileSync(pagePath, 'utf8');
  if (!html.includes('<!-- starter: catalogue-starter.js -->')) throw new Error('the page lacks <!-- starter: catalogue-starter.js -->');
  html = html.replace(/<!-- starter: ([a-z-]+\.js) -->/g, (_, file) => {
    const code = readFileSync(join('scripts', file), 'utf8').split('\n')
      .map((line) => line.trim()).filter((line) => line && !line.startsWith('//')).join('\n');
    return `<script type="module" async>\n${code}\n</script>`;
  });
  writeFileSync(pagePath, html);
}

// The page's HTML comments (why a link is where it is, what fills a placeholder) are for whoever
// edits the source, not for every visitor: served, they were 185 B gzip of the first load and
// 489 B of the consultation page. Taken out here, outside scripts (whose text the CSP hashes),
// with the lines they leave empty.
{
  const html = readFileSync(pagePath, 'utf8');
  const parts = html.split(/(<script\b[\s\S]*?<\/script>)/);
  for (let i = 0; i < parts.length; i += 2) {
    parts[i] = parts[i].replace(/<!--[\s\S]*?-->/g, '').replace(/\n[ \t]*(?=\n)/g, '');
    if (parts[i].includes('<!--')) throw new Error('the page has an unclosed HTML comment');
  }
  writeFileSync(pagePath, parts.join(''));
}

// wasm-bindgen writes every inline-JS snippet of the crate for each binary, and Trunk preloads them
// all; the main app's glue imports none of the call's (the provider bindings). Preload only the
// snippets the page's own JavaScript imports, so the first load does not fetch them.
{
  const glue = readdirSync(staging).filter((f) => f.endsWith('.js'))
    .map((f) => readFileSync(join(staging, f), 'utf8')).join('\n');
  const html = readFileSync(pagePath, 'utf8');
  const kept = html.replace(/<link rel="modulepreload" href="\/?(snippets\/[^"]+)"[^>]*>/g,
    (link, snippet) => (glue.includes(snippet) ? link : ''));
  writeFileSync(pagePath, kept);
}

// Precompressed copies of every text and wasm asset, next to it: `<file>.br` (brotli, quality 11)
// and `<file>.gz` (gzip written by zopfli, npm @gfx/zopfli: the format every browser reads, 4 %
// smaller than zlib's -9 on the main wasm; one iteration, as 15 gain 0.1 % more at twice the
// time). The reference server sends them to browsers that accept them (tower-http ServeDir's
// precompressed_br/precompressed_gzip), so no request compresses the app on the fly; a CDN can
// serve them the same way. The language catalogues too (locales/*.json: Bengali and Hindi). Not
// config.json: it is edited per deployment, and a stale compressed copy would be served instead
// of the edit.
for (const name of readdirSync(staging, { recursive: true })) {
  if (!/\.(wasm|js|css|html|svg)$/.test(name) && !/^locales\/[a-z-]+\.json$/.test(name)) continue;
  const path = join(staging, name);
  const bytes = readFileSync(path);
  writeFileSync(`${path}.br`, brotliCompressSync(bytes, {
    params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  }));
  writeFileSync(`${path}.gz`, await gzipAsync(bytes, { numiterations: 1 }));
}
