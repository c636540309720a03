import { lazy, Suspense, type ReactNode } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { Typography } from '@mui/material';
import { useAuth } from './auth/AuthContext';
import { Layout } from './components/Layout';
import { Loading } from './components/QueryState';
import { LoginPage } from './features/auth/LoginPage';
import { useMe } from './features/auth/hooks';
import { abreNaMinhaFila } from './features/minhafila/hooks';

// Each page is its own chunk: the login page does not download the charts.
const dashboardChunk = () => import('./features/dashboard/DashboardPage');
// `/` is the dashboard for most users: its chunk downloads beside the app's, not after GET /auth/me answers.
if (window.location.pathname === '/') void dashboardChunk().catch(() => {});
const DashboardPage = lazy(() => dashboardChunk().then((m) => ({ default: m.DashboardPage })));
const ProcessosPage = lazy(() => import('./features/processos/ProcessosPage').then((m) => ({ default: m.ProcessosPage })));
const ProcessoPage = lazy(() => import('./features/processos/ProcessoPage').then((m) => ({ default: m.ProcessoPage })));
const EmpresasPage = lazy(() => import('./features/empresas/EmpresasPage').then((m) => ({ default: m.EmpresasPage })));
const ObrigacoesPage = lazy(() => import('./features/obrigacoes/ObrigacoesPage').then((m) => ({ default: m.ObrigacoesPage })));
const ContratosPage = lazy(() => import('./features/contratos/ContratosPage').then((m) => ({ default: m.ContratosPage })));
const ContratoPage = lazy(() => import('./features/contratos/ContratoPage').then((m) => ({ default: m.ContratoPage })));
const ResponsaveisPage = lazy(() => import('./features/responsaveis/ResponsaveisPage').then((m) => ({ default: m.ResponsaveisPage })));
const RelatoriosPage = lazy(() => import('./features/relatorios/RelatoriosPage').then((m) => ({ default: m.RelatoriosPage })));
const SincronizacaoPage = lazy(() => import('./features/sincronizacao/SincronizacaoPage').then((m) => ({ default: m.SincronizacaoPage })));
const MinhaFilaPage = lazy(() => import('./features/minhafila/MinhaFilaPage').then((m) => ({ default: m.MinhaFilaPage })));
const UsuariosPage = lazy(() => import('./features/usuarios/UsuariosPage').then((m) => ({ default: m.UsuariosPage })));
const WhatsAppPage = lazy(() => import('./features/whatsapp/WhatsAppPage').then((m) => ({ default: m.WhatsAppPage })));

function RequireAuth({ children }: { children: ReactNode }) {
  const { token } = useAuth();
  const location = useLocation();
  if (!token) {
    const next = location.pathname + location.search;
    return <Navigate to={next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return <Suspense fallback={<Loading />}>{children}</Suspense>;
}

/** The home page: "Minha fila" for a USER tied to an Acessórias person, the dashboard for everyone else. */
function Inicio() {
  const me = useMe();
  if (me.isPending) return <Loading />;
  return abreNaMinhaFila(me.data) ? <Navigate to="/minha-fila" replace /> : <DashboardPage />;
}

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route element={<RequireAuth><Layout /></RequireAuth>}>
        <Route index element={<Inicio />} />
        <Route path="minha-fila" element={<MinhaFilaPage />} />
        <Route path="processos" element={<ProcessosPage />} />
        <Route path="processos/:id" element={<ProcessoPage />} />
        <Route path="empresas" element={<EmpresasPage />} />
        <Route path="obrigacoes" element={<ObrigacoesPage />} />
        <Route path="contratos" element={<ContratosPage />} />
        <Route path="contratos/:id" element={<ContratoPage />} />
        <Route path="responsaveis" element={<ResponsaveisPage />} />
        <Route path="relatorios" element={<RelatoriosPage />} />
        <Route path="sincronizacao" element={<SincronizacaoPage />} />
        <Route path="whatsapp" element={<WhatsAppPage />} />
        <Route path="usuarios" element={<UsuariosPage />} />
        <Route path="*" element={<Typography>Página não encontrada.</Typography>} />
      </Route>
    </Routes>
  );
}
