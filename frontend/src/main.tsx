import { startTransition, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router-dom';
import { configureClient } from './api/http';
import { AppRoutes } from './App';
import { createQueryClient, Providers } from './providers';

// Same origin by default (espelho serve, or a host rewriting /api); VITE_API_URL calls another origin.
configureClient(import.meta.env.VITE_API_URL || window.location.origin);
const queryClient = createQueryClient();

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
