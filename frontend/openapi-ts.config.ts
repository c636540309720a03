import { defineConfig } from '@hey-api/openapi-ts';

// Input and output can be overridden by scripts/gen-client.mjs (the --check mode writes to a temp dir).
export default defineConfig({
  input: process.env.ESPELHO_OPENAPI_INPUT ?? './openapi.json',
  output: { path: process.env.ESPELHO_CLIENT_OUTPUT ?? './src/client' },
  plugins: ['@hey-api/client-fetch', '@hey-api/typescript', '@hey-api/sdk'],
});
