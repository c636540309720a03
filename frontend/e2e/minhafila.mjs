// End-to-end: a USER whose e-mail is an Acessórias person's is tied to that person by the sync, logs in,
// lands on "Minha fila" and sees their own items (the same as the API's `responsavel=me`).
// `npm run build` first; run alone with `node e2e/minhafila.mjs` (Debian's chromium, never a download).
import assert from 'node:assert/strict';
import {
  api, desktopContext, intBR, launchChromium, login, runScenarios, scenario, shot, startEnvironment,
} from './env.mjs';

// "Joana Lima" of the simulated office (its /users gives usuario<id>@escritorio.example).
const JOANA = { email: 'usuario176900@escritorio.example', password: 'e2e-joana-password', nome: 'Joana Lima' };

let env;
let browser;

async function main() {
  console.log('Starting Espelho (simulators, migrations, users, syncs, serve)…');
  env = await startEnvironment({ log: (m) => console.log(`  ${m}`) });
  // A user of the office, then a sync: the sync ties users to Acessórias people by e-mail.
  await env.cli('user', 'create', '--email', JOANA.email, '--password', JOANA.password, '--role', 'USER');
  await env.cli('sync-acessorias', '--incremental');

  browser = await launchChromium();
  const page = await (await desktopContext(browser)).newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await scenario('a linked USER lands on "Minha fila" and sees their own items', async () => {
    // A linked USER lands on "Minha fila".
    await login(page, env.baseUrl, JOANA, '/minha-fila');
    await page.getByRole('heading', { name: 'Minha fila' }).waitFor();
    await page.getByText(JOANA.nome).first().waitFor();

    const get = async (url) => (await api(page, 'GET', url)).body;
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
    await shot(page, 'minha-fila');
    assert.deepEqual(errors, []);
  });
}

process.exit(await runScenarios(main, () => [browser, env]));
