import type { ReactNode } from 'react';
import { Box, Paper, Skeleton, Typography } from '@mui/material';
import TrendingUpIcon from '@mui/icons-material/TrendingUp';
import TrendingDownIcon from '@mui/icons-material/TrendingDown';
import TrendingFlatIcon from '@mui/icons-material/TrendingFlat';
import { formatChange } from '../lib/format';

/**
 * A dashboard number with its change against the previous competência ("+N % vs. mês anterior").
 * `loading` draws the same card with placeholders of the same line heights, so nothing moves when the figures come.
 */
export function StatCard({ label, value, change, changeUnit = '%', goodWhenUp = true, icon, testId, note, loading = false }: {
  label: string;
  value: ReactNode;
  change?: number | null;
  changeUnit?: string;
  goodWhenUp?: boolean;
  icon?: ReactNode;
  testId?: string;
  note?: ReactNode;
  loading?: boolean;
}) {
  const text = formatChange(change, changeUnit);
  const up = (change ?? 0) > 0;
  const down = (change ?? 0) < 0;
  const color = !up && !down ? 'text.secondary' : up === goodWhenUp ? 'success.main' : 'error.main';
  const Icon = up ? TrendingUpIcon : down ? TrendingDownIcon : TrendingFlatIcon;
  return (
    <Paper sx={{ p: { xs: 1.5, sm: 2.5 }, height: '100%' }} data-testid={testId}>
      <Box sx={{ display: 'flex', justifyContent: 'space-between', alignItems: 'flex-start' }}>
        <Typography variant="body2" color="text.secondary">{label}</Typography>
        <Box sx={{ color: 'primary.main', opacity: 0.7 }}>{icon}</Box>
      </Box>
      <Typography variant="h4" component="p" sx={{ fontWeight: 600, my: 1, fontSize: { xs: '1.6rem', sm: '2.125rem' } }} data-testid={testId ? `${testId}-value` : undefined}>
        {loading ? <Skeleton width="50%" /> : value}
      </Typography>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 0.5, color, minHeight: 24 }}>
        {loading ? (
          // A typical change, hidden under the placeholder: it wraps where the real one will.
          <Skeleton variant="rounded" sx={{ display: 'flex', alignItems: 'center', gap: 0.5, maxWidth: '100%' }}>
            <TrendingFlatIcon fontSize="small" />
            <Typography variant="body2">{formatChange(-88.8, changeUnit)} vs. mês anterior</Typography>
          </Skeleton>
        ) : text !== null ? (
          <>
            <Icon fontSize="small" />
            <Typography variant="body2">{text} vs. mês anterior</Typography>
          </>
        ) : (
          <Typography variant="body2" color="text.secondary">sem comparação com o mês anterior</Typography>
        )}
      </Box>
      {note && <Typography variant="caption" color="text.secondary" component="div" sx={{ mt: 0.5 }}>{note}</Typography>}
    </Paper>
  );
}
