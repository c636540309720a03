import { startTransition, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router-dom';
import { configureClient } from './api/http';
import { getToken } from './auth/token';
import { prefetchDashboard } from './features/dashboard/hooks';
import { AppRoutes } from './App';
import { createQueryClient, Providers } from './providers';

// Same origin by default (espelho serve, or a host rewriting /api); VITE_API_URL calls another origin.
configureClient(import.meta.env.VITE_API_URL || window.location.origin);
const queryClient = createQueryClient();
// `/` is the dashboard for most users: its data is asked for now, beside GET /auth/me (see prefetchDashboard). A USER
// whom `/` sends to "Minha fila" asks for it in vain, for cached answers the dashboard link then shows at once.
if (window.location.pathname === '/' && getToken()) void prefetchDashboard(queryClient).catch(() => {});

const root = createRoot(document.getElementById('root')!);
// In a transition, React renders the first page in short slices that let the browser breathe, not in one long task.
startTransition(() => {
  root.render(
    <StrictMode>
      <BrowserRouter>
        <Providers client={queryClient}>
          <AppRoutes />
        </Providers>
      </BrowserRouter>
    </StrictMode>,
  );
});
