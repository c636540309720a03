// One place that configures the generated client: base URL, bearer token, 401 handling, typed errors.
import { client } from '../client/client.gen';
import { getToken } from '../auth/token';

/** An API failure with the HTTP status and the backend's {"error", "detail"} envelope. */
export class ApiError extends Error {
  readonly status: number;
  readonly error: string | undefined;
  readonly detail: unknown;

  constructor(status: number, body: unknown) {
    super(describeError(status, body));
    this.name = 'ApiError';
    this.status = status;
    const envelope = (body ?? {}) as { error?: string; detail?: unknown };
    this.error = envelope.error;
    this.detail = envelope.detail;
  }

  /** Upstream down, throttling or timing out (502/503/504): the stored data is still shown. */
  get isUpstream(): boolean {
    return this.status === 502 || this.status === 503 || this.status === 504;
  }
}

function detailMessage(detail: unknown): string | null {
  if (!detail) return null;
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    // A 422 lists its problems as {field, message}; an empty field is the whole body.
    return detail
      .map((d) => {
        if (typeof d !== 'object' || !d) return String(d);
        const { field, message } = d as { field?: string; message?: string };
        return field ? `${field}: ${message ?? ''}` : (message ?? '');
      })
      .join('; ');
  }
  if (typeof detail === 'object' && 'message' in detail) return String((detail as { message: unknown }).message);
  return null;
}

export function describeError(status: number, body: unknown): string {
  const detail = detailMessage((body as { detail?: unknown } | null)?.detail);
  switch (status) {
    case 0:
      return 'Não foi possível conectar ao servidor do Espelho.';
    case 401:
      return 'Sessão expirada. Entre novamente.';
    case 403:
      return 'Você não tem permissão para esta ação.';
    case 404:
      return detail ? `Não encontrado: ${detail}` : 'Não encontrado.';
    case 409:
      return detail ? `Já existe uma sincronização em andamento: ${detail}` : 'Já existe uma sincronização em andamento.';
    case 413:
      return 'Os dados enviados são grandes demais.';
    case 422:
      return detail ? `Dados inválidos: ${detail}` : 'Dados inválidos.';
    case 429:
      return 'Muitas tentativas sem sucesso. Aguarde um pouco e tente de novo.';
    case 502:
    case 503:
    case 504:
      return `A fonte externa não respondeu (HTTP ${status}). Os dados já armazenados continuam disponíveis.` +
        (detail ? ` Detalhe: ${detail}` : '');
    default:
      return detail ? `Erro ${status}: ${detail}` : `Erro inesperado (HTTP ${status}).`;
  }
}

let unauthorizedHandler: () => void = () => {};

/** The auth provider registers what a 401 does (forget the token, go to /login). */
export function onUnauthorized(handler: () => void): void {
  unauthorizedHandler = handler;
}

let configured = false;

export function configureClient(baseUrl = ''): void {
  client.setConfig({ baseUrl });
  if (configured) return;
  configured = true;
  client.interceptors.request.use((request) => {
    const token = getToken();
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  });
  client.interceptors.response.use((response, request) => {
    // A wrong password on the login form is a 401 too; that one is the form's to show.
    if (response.status === 401 && !new URL(request.url, 'http://x').pathname.includes('/auth/login')) {
      unauthorizedHandler();
    }
    return response;
  });
}

interface Result<T> {
  data?: T;
  error?: unknown;
  response?: Response;
}

/** Turns a generated-SDK result into its data, or throws an ApiError. */
export async function unwrap<T>(call: Promise<Result<T>>): Promise<T> {
  let result: Result<T>;
  try {
    result = await call;
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError(0, { detail: e instanceof Error ? e.message : String(e) });
  }
  const status = result.response?.status ?? 0;
  if (result.error !== undefined || !result.response?.ok) {
    throw new ApiError(status, result.error);
  }
  return result.data as T;
}

/** Drops empty filters so they are not sent as `?q=`. */
export function clean(query?: Record<string, unknown>): Record<string, unknown> | undefined {
  if (!query) return undefined;
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== ''));
}
