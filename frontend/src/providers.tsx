import type { ReactNode } from 'react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { LocalizationProvider } from '@mui/x-date-pickers/LocalizationProvider';
import { AdapterDayjs } from '@mui/x-date-pickers/AdapterDayjs';
import { ptBR as pickersPtBR } from '@mui/x-date-pickers/locales';
import 'dayjs/locale/pt-br';
import { AuthProvider } from './auth/AuthContext';
import { ApiError } from './api/http';
import { ThemeModeProvider } from './contexts/ThemeContext';

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        refetchOnWindowFocus: false,
        // Client errors (401, 403, 404, 422) will not get better by asking again.
        retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
      },
      mutations: { retry: false },
    },
  });
}

const pickerTexts = pickersPtBR.components.MuiLocalizationProvider.defaultProps.localeText;

/** Everything but the router, so tests can wrap a page in a MemoryRouter. */
export function Providers({ client, children }: { client: QueryClient; children: ReactNode }) {
  return (
    <QueryClientProvider client={client}>
      <ThemeModeProvider>
        {/* Dates read and written as dd/mm/aaaa whatever the browser's language. */}
        <LocalizationProvider dateAdapter={AdapterDayjs} adapterLocale="pt-br" localeText={pickerTexts}>
          <AuthProvider>{children}</AuthProvider>
        </LocalizationProvider>
      </ThemeModeProvider>
    </QueryClientProvider>
  );
}
