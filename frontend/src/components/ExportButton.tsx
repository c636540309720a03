import { useState } from 'react';
import { Alert, Button, CircularProgress, Menu, MenuItem, Snackbar } from '@mui/material';
import DownloadIcon from '@mui/icons-material/FileDownloadOutlined';
import { downloadFile } from '../api/download';

export type Formato = 'csv' | 'xlsx';

interface FileCall {
  data?: unknown;
  error?: unknown;
  response?: Response;
}

/**
 * "Exportar": the whole filtered list (every page) as a CSV or an Excel file. `fetchFile` calls the list's
 * own SDK function with the page's filters plus `formato` and `parseAs: 'blob'`.
 */
export function ExportButton({ fetchFile, nome }: { fetchFile: (formato: Formato) => Promise<FileCall>; nome: string }) {
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const exportar = async (formato: Formato) => {
    setAnchor(null);
    setBusy(true);
    try {
      await downloadFile(fetchFile(formato), `${nome}.${formato}`);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Button variant="outlined" size="small" onClick={(e) => setAnchor(e.currentTarget)} disabled={busy}
        startIcon={busy ? <CircularProgress size={16} /> : <DownloadIcon />} data-testid="exportar"
        aria-haspopup="menu">
        Exportar
      </Button>
      <Menu anchorEl={anchor} open={Boolean(anchor)} onClose={() => setAnchor(null)}>
        <MenuItem onClick={() => exportar('xlsx')} data-testid="exportar-xlsx">Excel (.xlsx)</MenuItem>
        <MenuItem onClick={() => exportar('csv')} data-testid="exportar-csv">CSV (.csv)</MenuItem>
      </Menu>
      <Snackbar open={error !== null} autoHideDuration={8_000} onClose={() => setError(null)}>
        <Alert severity="error" onClose={() => setError(null)}>Não foi possível exportar: {error}</Alert>
      </Snackbar>
    </>
  );
}
