// Files the API answers (exports, reports): fetched through the generated client (token, base URL) as a
// Blob and handed to the browser as a download named as the server named it.
import { ApiError } from './http';

export type Formato = 'csv' | 'xlsx';

/** What a generated-SDK call answers (with `parseAs: 'blob'`: the file). */
export interface FileCall {
  data?: unknown;
  error?: unknown;
  response?: Response;
}

/** A list's "Exportar": the fallback file name and the call that answers the whole filtered list. */
export interface Exportar {
  nome: string;
  arquivo: (formato: Formato) => Promise<FileCall>;
}

type ListCall = (options: { query: Record<string, unknown>; parseAs: 'blob' }) => Promise<FileCall>;

/**
 * The export of a list: the same query as its JSON page (the feature's hook builds it: one home per filter)
 * without the paging, plus `formato`, read as a file.
 */
export function exportar(
  nome: string, list: (options: never) => Promise<FileCall>, query: Record<string, unknown> | undefined,
): Exportar {
  const { page: _page, page_size: _size, ...filtros } = query ?? {};
  return { nome, arquivo: (formato) => (list as ListCall)({ query: { ...filtros, formato }, parseAs: 'blob' }) };
}

/** `attachment; filename="x.csv"` or RFC 5987 `filename*=utf-8''x.csv` → the file name. */
export function filenameOf(disposition: string | null, fallback: string): string {
  if (!disposition) return fallback;
  const star = disposition.match(/filename\*=(?:utf-8|UTF-8)''([^;]+)/);
  if (star) return decodeURIComponent(star[1].trim());
  const plain = disposition.match(/filename="?([^";]+)"?/);
  return plain ? plain[1].trim() : fallback;
}

export async function downloadFile(call: Promise<FileCall>, fallback: string): Promise<string> {
  let result: FileCall;
  try {
    result = await call;
  } catch (e) {
    throw new ApiError(0, { detail: e instanceof Error ? e.message : String(e) });
  }
  if (result.error !== undefined || !result.response?.ok || result.data == null) {
    throw new ApiError(result.response?.status ?? 0, result.error);
  }
  const name = filenameOf(result.response.headers.get('content-disposition'), fallback);
  const url = URL.createObjectURL(result.data as Blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  // Revoked after the click has been handled: revoking at once cancels the download in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
  return name;
}
