// Files the API answers (exports, reports): fetched through the generated client (token, base URL) as a
// Blob and handed to the browser as a download named as the server named it.
import { ApiError } from './http';

interface FileResult {
  data?: unknown;
  error?: unknown;
  response?: Response;
}

/** `attachment; filename="x.csv"` or RFC 5987 `filename*=utf-8''x.csv` → the file name. */
export function filenameOf(disposition: string | null, fallback: string): string {
  if (!disposition) return fallback;
  const star = disposition.match(/filename\*=(?:utf-8|UTF-8)''([^;]+)/);
  if (star) return decodeURIComponent(star[1].trim());
  const plain = disposition.match(/filename="?([^";]+)"?/);
  return plain ? plain[1].trim() : fallback;
}

export async function downloadFile(call: Promise<FileResult>, fallback: string): Promise<string> {
  let result: FileResult;
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
