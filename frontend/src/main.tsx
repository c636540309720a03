import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router-dom';
import { configureClient } from './api/http';
import { AppRoutes } from './App';
import { createQueryClient, Providers } from './providers';

configureClient(window.location.origin);
const queryClient = createQueryClient();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <BrowserRouter>
      <Providers client={queryClient}>
        <AppRoutes />
      </Providers>
    </BrowserRouter>
  </StrictMode>,
);
