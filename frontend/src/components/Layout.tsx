import { Suspense, useMemo, useState, type ReactNode } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router-dom';
import {
  AppBar, Box, Chip, Divider, Drawer, IconButton, List, ListItemButton, ListItemIcon, ListItemText, Toolbar,
  Tooltip, Typography, useMediaQuery, useTheme,
} from '@mui/material';
import MenuIcon from '@mui/icons-material/Menu';
import DashboardIcon from '@mui/icons-material/SpaceDashboardOutlined';
import ProcessosIcon from '@mui/icons-material/AccountTreeOutlined';
import MinhaFilaIcon from '@mui/icons-material/AssignmentIndOutlined';
import EmpresasIcon from '@mui/icons-material/BusinessOutlined';
import ObrigacoesIcon from '@mui/icons-material/EventNoteOutlined';
import ContratosIcon from '@mui/icons-material/DescriptionOutlined';
import SyncIcon from '@mui/icons-material/SyncOutlined';
import WhatsAppIcon from '@mui/icons-material/WhatsApp';
import ResponsaveisIcon from '@mui/icons-material/GroupsOutlined';
import RelatoriosIcon from '@mui/icons-material/AssessmentOutlined';
import DarkModeIcon from '@mui/icons-material/DarkModeOutlined';
import LightModeIcon from '@mui/icons-material/LightModeOutlined';
import LogoutIcon from '@mui/icons-material/LogoutOutlined';
import UsuariosIcon from '@mui/icons-material/ManageAccountsOutlined';
import { useAuth } from '../auth/AuthContext';
import { useThemeMode } from '../contexts/ThemeContext';
import { Loading } from './QueryState';
import { useMe } from '../features/auth/hooks';
import { Frescor } from '../features/sincronizacao/Frescor';
import { useSyncRefresh } from '../features/sincronizacao/useSyncRefresh';

const DRAWER_WIDTH = 232;

export const NAV: { to: string; label: string; icon: ReactNode; end?: boolean; roles?: string[] }[] = [
  { to: '/', label: 'Dashboard', icon: <DashboardIcon />, end: true },
  { to: '/minha-fila', label: 'Minha fila', icon: <MinhaFilaIcon /> },
  { to: '/processos', label: 'Processos', icon: <ProcessosIcon /> },
  { to: '/empresas', label: 'Empresas', icon: <EmpresasIcon /> },
  { to: '/obrigacoes', label: 'Obrigações', icon: <ObrigacoesIcon /> },
  { to: '/contratos', label: 'Contratos', icon: <ContratosIcon /> },
  { to: '/responsaveis', label: 'Responsáveis', icon: <ResponsaveisIcon /> },
  { to: '/relatorios', label: 'Relatórios', icon: <RelatoriosIcon /> },
  { to: '/sincronizacao', label: 'Sincronização', icon: <SyncIcon /> },
  { to: '/whatsapp', label: 'WhatsApp', icon: <WhatsAppIcon /> },
  { to: '/usuarios', label: 'Usuários', icon: <UsuariosIcon />, roles: ['ADMIN'] },
];

function Nav({ onNavigate }: { onNavigate?: () => void }) {
  const { pathname } = useLocation();
  const role = useMe().data?.role;
  return (
    <List component="nav" aria-label="Navegação principal" sx={{ px: 1 }}>
      {NAV.filter((item) => !item.roles || (role && item.roles.includes(role))).map((item) => {
        const selected = item.end ? pathname === item.to : pathname.startsWith(item.to);
        return (
          <ListItemButton key={item.to} component={NavLink} to={item.to} end={item.end} selected={selected}
            onClick={onNavigate} sx={{ borderRadius: 1, mb: 0.5 }}>
            <ListItemIcon sx={{ minWidth: 40 }}>{item.icon}</ListItemIcon>
            <ListItemText primary={item.label} />
          </ListItemButton>
        );
      })}
    </List>
  );
}

/** The signed-in user in the app bar: reads GET /auth/me itself, so its answer does not re-render the layout. */
function Usuario() {
  const me = useMe();
  if (!me.data) return null;
  return (
    <>
      <Typography variant="body2" sx={{ display: { xs: 'none', sm: 'block' } }} data-testid="user-email">
        {me.data.email}
      </Typography>
      <Chip size="small" label={me.data.role} />
    </>
  );
}

export function Layout() {
  const theme = useTheme();
  // Read at once (noSsr): otherwise the first render is the mobile layout, then the whole page renders again and shifts.
  const desktop = useMediaQuery(theme.breakpoints.up('md'), { noSsr: true });
  const [open, setOpen] = useState(false);
  const { signOut } = useAuth();
  const { mode, toggle } = useThemeMode();
  useSyncRefresh();

  // The same element across the layout's re-renders (user, theme, sync status), so the drawer's content is not
  // rendered again with them: Nav reads the user itself.
  const drawer = useMemo(() => (
    <>
      <Toolbar sx={{ gap: 1 }}>
        <Box component="img" src="/espelho.svg" alt="" sx={{ width: 28, height: 28 }} />
        <Typography variant="h6" component="div" sx={{ fontWeight: 700 }}>Espelho</Typography>
      </Toolbar>
      <Divider />
      <Nav onNavigate={desktop ? undefined : () => setOpen(false)} />
    </>
  ), [desktop]);

  return (
    <Box sx={{ display: 'flex', minHeight: '100vh' }}>
      <AppBar position="fixed" color="inherit" elevation={0}
        sx={{ width: { md: `calc(100% - ${DRAWER_WIDTH}px)` }, ml: { md: `${DRAWER_WIDTH}px` } }}>
        <Toolbar sx={{ gap: 1 }}>
          {!desktop && (
            <IconButton edge="start" aria-label="Abrir menu" onClick={() => setOpen(true)}><MenuIcon /></IconButton>
          )}
          <Typography variant="subtitle1" sx={{ flexGrow: 1, color: 'text.secondary' }} noWrap>
            Espelho — Contratos e Acessórias
          </Typography>
          <Frescor />
          <Usuario />
          <Tooltip title={mode === 'dark' ? 'Tema claro' : 'Tema escuro'}>
            <IconButton aria-label={mode === 'dark' ? 'Usar tema claro' : 'Usar tema escuro'} onClick={toggle}
              data-testid="alternar-tema">
              {mode === 'dark' ? <LightModeIcon /> : <DarkModeIcon />}
            </IconButton>
          </Tooltip>
          <Tooltip title="Sair">
            <IconButton aria-label="Sair" onClick={signOut}><LogoutIcon /></IconButton>
          </Tooltip>
        </Toolbar>
      </AppBar>
      <Box component="nav" sx={{ width: { md: DRAWER_WIDTH }, flexShrink: { md: 0 } }}>
        {desktop ? (
          <Drawer variant="permanent" open PaperProps={{ sx: { width: DRAWER_WIDTH } }}>{drawer}</Drawer>
        ) : (
          // Not kept mounted: on a phone's first load the closed menu (modal, slide, focus trap, eleven links) was
          // a good part of the main thread's work; it mounts when opened.
          <Drawer variant="temporary" open={open} onClose={() => setOpen(false)}
            PaperProps={{ sx: { width: DRAWER_WIDTH } }}>{drawer}</Drawer>
        )}
      </Box>
      <Box component="main" sx={{ flexGrow: 1, minWidth: 0, p: { xs: 2, md: 3 } }}>
        <Toolbar />
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </Box>
    </Box>
  );
}
