import type { ReactNode } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { Typography } from '@mui/material';
import { useAuth } from './auth/AuthContext';
import { Layout } from './components/Layout';
import { ContratoPage } from './pages/ContratoPage';
import { ContratosPage } from './pages/ContratosPage';
import { DashboardPage } from './pages/DashboardPage';
import { EmpresasPage } from './pages/EmpresasPage';
import { LoginPage } from './pages/LoginPage';
import { ObrigacoesPage } from './pages/ObrigacoesPage';
import { ProcessoPage } from './pages/ProcessoPage';
import { ProcessosPage } from './pages/ProcessosPage';
import { SincronizacaoPage } from './pages/SincronizacaoPage';

function RequireAuth({ children }: { children: ReactNode }) {
  const { token } = useAuth();
  const location = useLocation();
  if (!token) {
    const next = location.pathname + location.search;
    return <Navigate to={next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return <>{children}</>;
}

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route element={<RequireAuth><Layout /></RequireAuth>}>
        <Route index element={<DashboardPage />} />
        <Route path="processos" element={<ProcessosPage />} />
        <Route path="processos/:id" element={<ProcessoPage />} />
        <Route path="empresas" element={<EmpresasPage />} />
        <Route path="obrigacoes" element={<ObrigacoesPage />} />
        <Route path="contratos" element={<ContratosPage />} />
        <Route path="contratos/:id" element={<ContratoPage />} />
        <Route path="sincronizacao" element={<SincronizacaoPage />} />
        <Route path="*" element={<Typography>Página não encontrada.</Typography>} />
      </Route>
    </Routes>
  );
}
