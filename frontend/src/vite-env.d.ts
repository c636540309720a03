/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The API's origin when it is not the web app's own (see docs/deploy.md); unset = same origin. */
  readonly VITE_API_URL?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
