// Starts a populated Espelho for the end-to-end run: a temp SQLite db, the simulators and `espelho serve`
// (which serves the built bundle in ../dist). Everything listens on loopback ports picked at random.
import { spawn, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

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

// What the e2e runs (run.mjs, diario.mjs, minhafila.mjs) share: the browser, the scenario tally, screenshots,
// API calls as the signed-in user, and signing in.
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SHOTS = path.resolve(frontendDir, process.env.E2E_SCREENSHOTS ?? 'e2e/screenshots');
export const TIMEOUT = 30_000;
export const intBR = new Intl.NumberFormat('pt-BR', { maximumFractionDigits: 0 });
// E2E_ONLY=regex plays only the scenarios whose name matches.
const ONLY = process.env.E2E_ONLY ? new RegExp(process.env.E2E_ONLY) : null;
const results = [];

/** Debian's chromium, headless: never a browser download of playwright's own. */
export function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--lang=pt-BR'],
  });
}

/** A desktop-sized context in Brazilian Portuguese and São Paulo's time. */
export async function desktopContext(browser) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'pt-BR', timezoneId: 'America/Sao_Paulo' });
  context.setDefaultTimeout(TIMEOUT);
  return context;
}

/** Plays one scenario: a failure is logged and tallied, and the next scenario still runs. */
export async function scenario(name, fn) {
  if (ONLY && !ONLY.test(name)) return;
  const started = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`  ✓ ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`  ✗ ${name}\n    ${String(e.stack ?? e).split('\n').slice(0, 6).join('\n    ')}`);
  }
}

/** Runs `main`, then closes what `opened()` gives ([browser, env]); the exit code: 0 when every scenario passed. */
export async function runScenarios(main, opened) {
  let exitCode = 0;
  try {
    await main();
  } catch (e) {
    console.error(e);
    exitCode = 1;
  } finally {
    const [browser, env] = opened();
    await browser?.close().catch(() => {});
    await env?.stop().catch(() => {});
  }
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  console.log(`\ne2e: ${passed} passed, ${failed} failed`);
  return exitCode || (failed > 0 || results.length === 0 ? 1 : 0);
}

export async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  // Down to the bottom and back, so that what renders only once on screen (the dashboard's charts) is in the picture.
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await page.waitForLoadState('networkidle').catch(() => {});
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** `method url` as the page's signed-in user: { status, body }. */
export async function api(page, method, url, body) {
  return page.evaluate(async ([m, u, b]) => {
    const token = sessionStorage.getItem('espelho.token');
    const r = await fetch(u, {
      method: m,
      headers: { Authorization: `Bearer ${token}`, ...(b ? { 'Content-Type': 'application/json' } : {}) },
      body: b ? JSON.stringify(b) : undefined,
    });
    return { status: r.status, body: await r.json().catch(() => null) };
  }, [method, url, body]);
}

/** Signs in on the login page and waits for the page the user lands on (`/`, or `/minha-fila` for a linked USER). */
export async function login(page, baseUrl, { email, password }, landing = '/') {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Senha').fill(password);
  await page.getByRole('button', { name: 'Entrar' }).click();
  await page.waitForURL(`${baseUrl}${landing}`);
}
