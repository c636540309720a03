// Starts a populated Espelho for the end-to-end run: a temp SQLite db, the simulators and `espelho serve`
// (which serves the built bundle in ../dist). Everything listens on loopback ports picked at random.
import { spawn, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const frontendDir = path.resolve(here, '..');
export const espelho = path.resolve(frontendDir, '../backend/.venv/bin/espelho');
export const DEMO_UASG = '160123';
export const ADMIN = { email: 'admin@example.com', password: 'e2e-admin-password' };
export const VIEWER = { email: 'leitor@example.com', password: 'e2e-viewer-password' };

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// A loaded machine may need longer: E2E_START_TIMEOUT_S (default 60).
async function waitFor(url, timeoutMs = Number(process.env.E2E_START_TIMEOUT_S ?? 60) * 1000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(url);
      if (r.status < 500) return;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up: ${last}`);
}

export async function startEnvironment({ log = console.log } = {}) {
  if (!existsSync(espelho)) throw new Error(`${espelho} is missing: run \`make install\` first`);
  if (!existsSync(path.join(frontendDir, 'dist/index.html'))) throw new Error('frontend/dist is missing: run `npm run build` first');
  const dir = mkdtempSync(path.join(tmpdir(), 'espelho-e2e-'));
  const simPort = await freePort();
  const appPort = await freePort();
  const whatsappSecret = randomBytes(16).toString('hex');
  const env = {
    ...process.env,
    ESPELHO_DATABASE_URL: `sqlite:///${dir}/espelho.db`,
    ESPELHO_COMPRASNET_BASE_URL: `http://127.0.0.1:${simPort}/comprasnet/api`,
    ESPELHO_ACESSORIAS_BASE_URL: `http://127.0.0.1:${simPort}/acessorias`,
    ESPELHO_ACESSORIAS_TOKEN: 'test-token',
    ESPELHO_DEMO_MODE: 'true',
    ESPELHO_SECRET_KEY: randomBytes(32).toString('hex'),
    ESPELHO_WEB_DIST_DIR: path.join(frontendDir, 'dist'),
    // Failures must show at once in the UI, not after the client's production back-off.
    ESPELHO_COMPRASNET_MAX_ATTEMPTS: '1',
    ESPELHO_COMPRASNET_BACKOFF_S: '0',
    ESPELHO_LOG_LEVEL: 'WARNING',
    // The simulated office is served as fast as the machine allows; the real 100/min limit is tested elsewhere.
    ESPELHO_ACESSORIAS_RATE_LIMIT: '100000',
    // WhatsApp against the simulator's fake Graph API; the run plays the phone through its _control API.
    ESPELHO_WHATSAPP_GRAPH_URL: `http://127.0.0.1:${simPort}/whatsapp/v23.0`,
    ESPELHO_WHATSAPP_PHONE_NUMBER_ID: '100000000000001',
    ESPELHO_WHATSAPP_BUSINESS_NUMBER: '5511999990000',
    ESPELHO_WHATSAPP_ACCESS_TOKEN: randomBytes(16).toString('hex'),
    ESPELHO_WHATSAPP_APP_SECRET: whatsappSecret,
    ESPELHO_WHATSAPP_VERIFY_TOKEN: randomBytes(16).toString('hex'),
  };
  const children = [];
  const spawnLogged = (name, args) => {
    const out = openSync(path.join(dir, `${name}.log`), 'a');
    const child = spawn(espelho, args, { env, stdio: ['ignore', out, out], detached: false });
    children.push(child);
    return child;
  };
  const cli = (...args) => new Promise((resolve, reject) => {
    const child = execFile(espelho, args, { env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      children.splice(children.indexOf(child), 1);
      if (error) reject(new Error(`espelho ${args.join(' ')} failed:\n${stdout}${stderr}`));
      else resolve(stdout);
    });
    children.push(child);
  });

  const stop = async () => {
    for (const child of children) {
      if (child.exitCode === null) child.kill('SIGTERM');
    }
    await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => {
      const t = setTimeout(() => { c.kill('SIGKILL'); r(); }, 5000);
      c.on('exit', () => { clearTimeout(t); r(); });
    }))));
    if (!process.env.E2E_KEEP) rmSync(dir, { recursive: true, force: true });
  };
  // Ctrl-C or a kill during setup must not leave servers behind.
  const onSignal = () => { stop().finally(() => process.exit(130)); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    spawnLogged('simulator', ['simulate', '--port', String(simPort), '--rate-limit', '100000']);
    await waitFor(`http://127.0.0.1:${simPort}/comprasnet/_control/uasgs`);
    log(`simulators on :${simPort}`);
    await cli('db', 'upgrade');
    await cli('user', 'create', '--email', ADMIN.email, '--password', ADMIN.password, '--role', 'ADMIN');
    await cli('user', 'create', '--email', VIEWER.email, '--password', VIEWER.password, '--role', 'USER');
    log('syncing Acessórias (full)…');
    await cli('sync-acessorias', '--full');
    log(`syncing Comprasnet UASG ${DEMO_UASG}…`);
    await cli('sync-comprasnet', '--uasg', DEMO_UASG);
    spawnLogged('serve', ['serve', '--port', String(appPort)]);
    await waitFor(`http://127.0.0.1:${appPort}/api/v1/health`);
    log(`espelho serve on :${appPort} (data in ${dir})`);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    dir,
    baseUrl: `http://127.0.0.1:${appPort}`,
    simUrl: `http://127.0.0.1:${simPort}`,
    whatsappSecret,
    cli,
    stop,
  };
}
