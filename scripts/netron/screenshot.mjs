// A screenshot of a gatecot ONNX export as Netron (github.com/lutzroeder/netron) draws it, taken
// offline in headless Chromium (docs/img/netron-c17-gate.png was made with it).
// Usage: node --experimental-websocket scripts/netron/screenshot.mjs NETRON_SOURCE_DIR MODEL.onnx OUT.png [WIDTH HEIGHT]
//   NETRON_SOURCE_DIR: the `source/` folder of a Netron checkout (its browser app). It is copied to
//   a temporary folder and served from 127.0.0.1 with the model; two things are changed in the
//   copy only: the cookie-consent prompt is skipped (it would cover the graph and it asks a
//   server for the country), and the angle brackets of tensor shapes (U+3008/3009, CJK glyphs
//   that a machine without CJK fonts draws as boxes) become U+27E8/27E9. Missing metadata files
//   (onnx-metadata.json: operator documentation only) are served as [].
// The picture is taken once the graph has nodes (the DevTools protocol, Node 20's WebSocket).
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';

const [src, model, out, w = '1100', h = '1500'] = process.argv.slice(2);
if (!src || !model || !out) {
  console.error('usage: node --experimental-websocket scripts/netron/screenshot.mjs NETRON_SOURCE_DIR MODEL.onnx OUT.png [WIDTH HEIGHT]');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'netron-'));
cpSync(src, dir, { recursive: true });
cpSync(model, join(dir, basename(model)));
const patch = (file, f) => writeFileSync(join(dir, file), f(readFileSync(join(dir, file), 'utf8')));
patch('browser.js', (s) => s.replace("if (this._getCookie('consent') || this._getCookie('_ga')) {", 'if (true) {'));
patch('view.js', (s) => s.replaceAll('\\u3008', '\\u27E8').replaceAll('\\u3009', '\\u27E9'));

const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.png': 'image/png' };
const server = createServer((req, res) => {
  const path = join(dir, decodeURIComponent(new URL(req.url, 'http://x').pathname));
  if (!path.startsWith(dir)) return res.writeHead(403).end();
  if (!existsSync(path)) return path.endsWith('-metadata.json') ? res.writeHead(200, { 'content-type': types['.json'] }).end('[]') : res.writeHead(404).end();
  res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(readFileSync(path));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/index.html?url=${encodeURIComponent(basename(model))}`;

const port = 9333;
const chrome = spawn('chromium', ['--headless=new', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--window-size=${w},${h}`, `--remote-debugging-port=${port}`, 'about:blank'], { stdio: 'ignore' });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let targets;
for (let i = 0; i < 100 && !targets; i++) {
  try {
    targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
  } catch {
    await sleep(200);
  }
}
const ws = new WebSocket(targets.find((t) => t.type === 'page').webSocketDebuggerUrl);
await new Promise((r) => ws.addEventListener('open', r));
let id = 0;
const pending = new Map();
ws.addEventListener('message', (e) => {
  const m = JSON.parse(e.data);
  pending.get(m.id)?.(m);
  pending.delete(m.id);
});
const send = (method, params = {}) => new Promise((r) => {
  pending.set(++id, r);
  ws.send(JSON.stringify({ id, method, params }));
});
await send('Page.enable');
await send('Page.navigate', { url });
let nodes = 0;
for (let i = 0; i < 120 && nodes === 0; i++) {
  await sleep(500);
  nodes = (await send('Runtime.evaluate', { expression: "document.querySelectorAll('svg g.node').length", returnByValue: true })).result?.result?.value ?? 0;
}
await sleep(1500);
const shot = await send('Page.captureScreenshot', { format: 'png' });
writeFileSync(out, Buffer.from(shot.result.data, 'base64'));
ws.close();
chrome.kill();
server.close();
console.log(nodes > 0 ? `wrote ${out} (${nodes} graph nodes drawn)` : `wrote ${out}, but Netron drew no graph within 60 s`);
process.exit(nodes > 0 ? 0 : 1);
