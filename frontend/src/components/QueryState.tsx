// Loading, error and empty states, the same everywhere.
import type { ReactNode } from 'react';
import { Alert, AlertTitle, Box, Button, CircularProgress, Paper, Skeleton, Typography } from '@mui/material';
import InboxOutlinedIcon from '@mui/icons-material/InboxOutlined';
import { ApiError } from '../api/http';

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return 'Erro inesperado.';
}

export function Loading({ label = 'Carregando…', rows = 0 }: { label?: string; rows?: number }) {
  if (rows > 0) {
    return (
      <Box role="status" aria-busy="true" aria-label={label} data-testid="loading">
        {Array.from({ length: rows }, (_, i) => <Skeleton key={i} height={36} />)}
      </Box>
    );
  }
  return (
    <Box role="progressbar" aria-label={label} data-testid="loading"
      sx={{ display: 'flex', alignItems: 'center', gap: 2, p: 3, justifyContent: 'center' }}>
      <CircularProgress size={28} />
      <Typography color="text.secondary">{label}</Typography>
    </Box>
  );
}

export function ErrorState({ error, onRetry, title = 'Não foi possível carregar' }:
  { error: unknown; onRetry?: () => void; title?: string }) {
  return (
    <Alert severity="error" role="alert" data-testid="error"
      action={onRetry ? <Button color="inherit" size="small" onClick={onRetry}>Tentar novamente</Button> : undefined}>
      <AlertTitle>{title}</AlertTitle>
      {errorMessage(error)}
    </Alert>
  );
}

export function EmptyState({ message = 'Nenhum registro encontrado.', children }: { message?: string; children?: ReactNode }) {
  return (
    <Paper variant="outlined" data-testid="empty"
      sx={{ p: 4, textAlign: 'center', color: 'text.secondary', borderStyle: 'dashed' }}>
      <InboxOutlinedIcon sx={{ fontSize: 40, opacity: 0.5 }} />
      <Typography>{message}</Typography>
      {children}
    </Paper>
  );
}

interface QueryLike<T> {
  data: T | undefined;
  isPending: boolean;
  isError: boolean;
  error: unknown;
  refetch: () => unknown;
}

/** Renders loading / error / empty for a query, and `children(data)` otherwise. */
export function QueryState<T>({ query, isEmpty, empty, loadingRows, children }: {
  query: QueryLike<T>;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  loadingRows?: number;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <Loading rows={loadingRows} />;
  if (query.isError || query.data === undefined) {
    return <ErrorState error={query.error} onRetry={() => query.refetch()} />;
  }
  if (isEmpty?.(query.data)) return <>{empty ?? <EmptyState />}</>;
  return <>{children(query.data)}</>;
}
