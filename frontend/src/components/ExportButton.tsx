import { useState } from 'react';
import { Alert, Button, CircularProgress, Menu, MenuItem, Snackbar } from '@mui/material';
import DownloadIcon from '@mui/icons-material/FileDownloadOutlined';
import { downloadFile, type Exportar, type Formato } from '../api/download';

/** "Exportar": the whole filtered list (every page) as a CSV or an Excel file. */
export function ExportButton({ exportar }: { exportar: Exportar }) {
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const baixar = async (formato: Formato) => {
    setAnchor(null);
    setBusy(true);
    try {
      await downloadFile(exportar.arquivo(formato), `${exportar.nome}.${formato}`);
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
        <MenuItem onClick={() => baixar('xlsx')} data-testid="exportar-xlsx">Excel (.xlsx)</MenuItem>
        <MenuItem onClick={() => baixar('csv')} data-testid="exportar-csv">CSV (.csv)</MenuItem>
      </Menu>
      <Snackbar open={error !== null} autoHideDuration={8_000} onClose={() => setError(null)}>
        <Alert severity="error" onClose={() => setError(null)}>Não foi possível exportar: {error}</Alert>
      </Snackbar>
    </>
  );
}
