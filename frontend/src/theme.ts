import { createTheme } from '@mui/material/styles';
import { ptBR } from '@mui/material/locale';

export const theme = createTheme(
  {
    palette: {
      primary: { main: '#1f5fa8' },
      secondary: { main: '#0f8b6c' },
      background: { default: '#f4f6f9' },
    },
    shape: { borderRadius: 8 },
    typography: { fontFamily: '"Roboto", "DejaVu Sans", "Helvetica Neue", Arial, sans-serif' },
    components: {
      MuiPaper: { defaultProps: { elevation: 0 }, styleOverrides: { root: { border: '1px solid #e3e7ee' } } },
      MuiDrawer: { styleOverrides: { paper: { border: 0, borderRight: '1px solid #e3e7ee' } } },
      MuiAppBar: { styleOverrides: { root: { border: 0, borderBottom: '1px solid #e3e7ee' } } },
      MuiTableCell: { styleOverrides: { head: { fontWeight: 600, whiteSpace: 'nowrap' } } },
    },
  },
  ptBR,
);
