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
        // Text on chips and captions in these colours must read at 4.5:1 (axe, WCAG AA): MUI's default orange is 3.1:1
        // on white, and white on its dark-mode red 3.7:1.
        ...(mode === 'dark'
          ? { error: { main: '#f44336', contrastText: 'rgba(0, 0, 0, 0.87)' } }
          : { warning: { main: '#b45309' } }),
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
