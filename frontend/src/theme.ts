import { createTheme, type Theme } from '@mui/material/styles';
import { ptBR } from '@mui/material/locale';

export type Mode = 'light' | 'dark';

export function buildTheme(mode: Mode): Theme {
  const border = mode === 'dark' ? '#2c3440' : '#e3e7ee';
  return createTheme(
    {
      palette: {
        mode,
        primary: { main: mode === 'dark' ? '#6ea8e8' : '#1f5fa8' },
        secondary: { main: '#0f8b6c' },
        background: mode === 'dark' ? { default: '#12161c', paper: '#1a2029' } : { default: '#f4f6f9' },
      },
      shape: { borderRadius: 8 },
      typography: { fontFamily: '"Roboto", "DejaVu Sans", "Helvetica Neue", Arial, sans-serif' },
      components: {
        MuiPaper: { defaultProps: { elevation: 0 }, styleOverrides: { root: { border: `1px solid ${border}` } } },
        MuiDrawer: { styleOverrides: { paper: { border: 0, borderRight: `1px solid ${border}` } } },
        MuiAppBar: { styleOverrides: { root: { border: 0, borderBottom: `1px solid ${border}` } } },
        MuiTableCell: { styleOverrides: { head: { fontWeight: 600, whiteSpace: 'nowrap' } } },
      },
    },
    ptBR,
  );
}
