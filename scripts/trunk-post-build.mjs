// Trunk post-build hook: ships LiveKit's browser SDK (npm livekit-client, pinned in
// package-lock.json), its end-to-end-encryption worker and Twilio Video's SDK (npm twilio-video,
// pinned) in dist/ under content-hashed names, and writes those names into index.html's
// <meta name="teleconsult-livekit-sdk">, <meta name="teleconsult-livekit-e2ee-worker"> and
// <meta name="teleconsult-twilio-sdk">. The app loads each only when a call of that provider
// starts (the worker only for an encrypted one), so sign-in and the dashboards never fetch them.
// Hashed names are cached as immutable by the reference server (and should be by any CDN).
// The SDK is the minified UMD build: 154 KB gzip against 318 KB for the unminified ESM build;
// import()ed as a module it defines globalThis.LivekitClient.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync, constants as zlib } from 'node:zlib';

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) throw new Error('run by Trunk as a post_build hook (TRUNK_STAGING_DIR is unset)');
const indexPath = join(staging, 'index.html');
let index = readFileSync(indexPath, 'utf8');
// Each file under a content-hashed name, named in its <meta> placeholder of index.html. The E2EE
// worker is the SDK's classic (UMD) build, for `new Worker(url)`.
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
  if (!index.includes(placeholder)) throw new Error(`index.html lacks ${placeholder}`);
  index = index.replace(placeholder, `<meta name="${meta}" content="${name}" />`);
}
writeFileSync(indexPath, index);

// Precompressed copies of every text and wasm asset, next to it: `<file>.br` (brotli, quality 11)
// and `<file>.gz` (gzip -9). The reference server sends them to browsers that accept them
// (tower-http ServeDir's precompressed_br/precompressed_gzip), so no request compresses the app
// on the fly; a CDN can serve them the same way. Not config.json: it is edited per deployment, and
// a stale compressed copy would be served instead of the edit.
for (const name of readdirSync(staging, { recursive: true })) {
  if (!/\.(wasm|js|css|html|svg)$/.test(name)) continue;
  const path = join(staging, name);
  const bytes = readFileSync(path);
  writeFileSync(`${path}.br`, brotliCompressSync(bytes, {
    params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  }));
  writeFileSync(`${path}.gz`, gzipSync(bytes, { level: 9 }));
}
