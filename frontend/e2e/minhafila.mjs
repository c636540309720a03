// End-to-end: a USER whose e-mail is an Acessórias person's is tied to that person by the sync, logs in,
// lands on "Minha fila" and sees their own items (the same as the API's `responsavel=me`).
// `npm run build` first; run alone with `node e2e/minhafila.mjs` (Debian's chromium, never a download).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { frontendDir, startEnvironment } from './env.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.resolve(frontendDir, process.env.E2E_SCREENSHOTS ?? 'e2e/screenshots');
// "Joana Lima" of the simulated office (its /users gives usuario<id>@escritorio.example).
const JOANA = { email: 'usuario176900@escritorio.example', password: 'e2e-joana-password', nome: 'Joana Lima' };
const intBR = new Intl.NumberFormat('pt-BR', { maximumFractionDigits: 0 });
mkdirSync(SHOTS, { recursive: true });

let env;
let browser;
let exitCode = 0;
try {
  console.log('Starting Espelho (simulators, migrations, users, syncs, serve)…');
  env = await startEnvironment({ log: (m) => console.log(`  ${m}`) });
  // A user of the office, then a sync: the sync ties users to Acessórias people by e-mail.
  await env.cli('user', 'create', '--email', JOANA.email, '--password', JOANA.password, '--role', 'USER');
  await env.cli('sync-acessorias', '--incremental');

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--lang=pt-BR'],
  });
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'pt-BR', timezoneId: 'America/Sao_Paulo' });
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await page.goto(`${env.baseUrl}/login`);
  await page.getByLabel('E-mail').fill(JOANA.email);
  await page.getByLabel('Senha').fill(JOANA.password);
  await page.getByRole('button', { name: 'Entrar' }).click();
  // A linked USER lands on "Minha fila".
  await page.waitForURL(`${env.baseUrl}/minha-fila`);
  await page.getByRole('heading', { name: 'Minha fila' }).waitFor();
  await page.getByText(JOANA.nome).first().waitFor();

  const get = (url) => page.evaluate(async (u) => {
    const r = await fetch(u, { headers: { Authorization: `Bearer ${sessionStorage.getItem('espelho.token')}` } });
    return r.json();
  }, url);
  const me = await get('/api/v1/auth/me');
  assert.equal(me.acessorias_usuario.nome, JOANA.nome);
  const fila = await get('/api/v1/fila?responsavel=me');
  const atrasadas = await get('/api/v1/obrigacoes?responsavel=me&situacao=atrasada&page_size=1');
  assert.equal(fila.atrasadas.total, atrasadas.total);
  for (const [part, testId] of [['atrasadas', 'fila-atrasadas'], ['vencem', 'fila-vencem'], ['processos', 'fila-processos']]) {
    assert.equal(await page.getByTestId(`${testId}-total`).innerText(), intBR.format(fila[part].total), part);
  }
  assert.ok(fila.atrasadas.total + fila.processos.total > 0, 'the simulated office gives Joana some work');
  // Their own items: every overdue row listed is one of Joana's.
  const mine = await get(`/api/v1/obrigacoes?responsavel=me&situacao=atrasada&page_size=200`);
  assert.ok(mine.items.every((o) => o.responsavel === JOANA.nome));
  const rows = page.getByTestId('fila-atrasadas').locator('tbody tr');
  assert.equal(await rows.count(), fila.atrasadas.items.length);
  if (fila.atrasadas.items.length) {
    const first = fila.atrasadas.items[0];
    assert.ok((await rows.first().innerText()).includes(first.tipo));
    assert.ok(mine.items.some((o) => o.id === first.id));
  }
  const processos = page.getByTestId('fila-processos').locator('tbody tr');
  assert.equal(await processos.count(), fila.processos.items.length);
  await page.screenshot({ path: path.join(SHOTS, 'minha-fila.png'), fullPage: true });
  assert.deepEqual(errors, []);
  console.log('  ✓ a linked USER lands on "Minha fila" and sees their own items');
} catch (e) {
  console.error(e);
  exitCode = 1;
} finally {
  await browser?.close().catch(() => {});
  await env?.stop().catch(() => {});
}
process.exit(exitCode);
