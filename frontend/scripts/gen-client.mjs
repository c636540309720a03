// Generates src/client from the backend's OpenAPI schema; `--check` fails when the committed client is stale.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const espelho = path.resolve(root, '../backend/.venv/bin/espelho');
const check = process.argv.includes('--check');

function run(cmd, args, env = {}) {
  execFileSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
}

function listFiles(dir, base = dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full, base) : [path.relative(base, full)];
  });
}

function generate(schemaPath, outDir) {
  run(espelho, ['openapi', '-o', schemaPath], { ESPELHO_LOG_LEVEL: 'WARNING' });
  const bin = path.join(root, 'node_modules/.bin/openapi-ts');
  run(bin, ['--silent'], { ESPELHO_OPENAPI_INPUT: schemaPath, ESPELHO_CLIENT_OUTPUT: outDir });
}

if (!check) {
  generate(path.join(root, 'openapi.json'), './src/client');
  console.log('Generated src/client from openapi.json');
  process.exit(0);
}

const tmp = mkdtempSync(path.join(tmpdir(), 'espelho-client-'));
try {
  generate(path.join(tmp, 'openapi.json'), path.join(tmp, 'client'));
  const problems = [];
  if (readFileSync(path.join(tmp, 'openapi.json'), 'utf8') !== readFileSync(path.join(root, 'openapi.json'), 'utf8')) {
    problems.push('openapi.json');
  }
  const fresh = new Set(listFiles(path.join(tmp, 'client')));
  const committed = new Set(listFiles(path.join(root, 'src/client')));
  for (const file of new Set([...fresh, ...committed])) {
    if (!fresh.has(file) || !committed.has(file)) {
      problems.push(`src/client/${file}`);
    } else if (readFileSync(path.join(tmp, 'client', file), 'utf8') !== readFileSync(path.join(root, 'src/client', file), 'utf8')) {
      problems.push(`src/client/${file}`);
    }
  }
  if (problems.length) {
    console.error(`The generated API client is stale (${problems.join(', ')}). Run: cd frontend && npm run gen-client`);
    process.exit(1);
  }
  console.log('API client is up to date with the backend OpenAPI schema.');
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
