import type { ReactNode } from 'react';
import {
  Paper, Table, TableBody, TableCell, TableContainer, TableHead, TablePagination, TableRow,
} from '@mui/material';
import type { SxProps, Theme } from '@mui/material/styles';

export interface Column<T> {
  key: string;
  label: string;
  render?: (row: T) => ReactNode;
  align?: 'left' | 'right' | 'center';
  width?: number | string;
  hideOnMobile?: boolean;
}

interface Pagination {
  page: number; // 1-based, as the API
  pageSize: number;
  total: number;
  onChange: (page: number, pageSize: number) => void;
}

export function DataTable<T extends { id: number | string }>({
  columns, rows, onRowClick, pagination, rowSx, testId, label,
}: {
  columns: Column<T>[];
  rows: T[];
  onRowClick?: (row: T) => void;
  pagination?: Pagination;
  rowSx?: (row: T) => SxProps<Theme> | undefined;
  testId?: string;
  label?: string;
}) {
  const hide = { display: { xs: 'none', md: 'table-cell' } };
  return (
    <Paper sx={{ overflow: 'hidden' }}>
      <TableContainer>
        <Table size="small" data-testid={testId} aria-label={label}>
          <TableHead>
            <TableRow>
              {columns.map((c) => (
                <TableCell key={c.key} align={c.align} sx={{ width: c.width, ...(c.hideOnMobile ? hide : {}) }}>
                  {c.label}
                </TableCell>
              ))}
            </TableRow>
          </TableHead>
          <TableBody>
            {rows.map((row) => (
              <TableRow key={row.id} hover={Boolean(onRowClick)} onClick={onRowClick ? () => onRowClick(row) : undefined}
                sx={{ cursor: onRowClick ? 'pointer' : undefined, ...(rowSx?.(row) as object) }}>
                {columns.map((c) => (
                  <TableCell key={c.key} align={c.align} sx={c.hideOnMobile ? hide : undefined}>
                    {c.render ? c.render(row) : String((row as Record<string, unknown>)[c.key] ?? '—')}
                  </TableCell>
                ))}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </TableContainer>
      {pagination && (
        <TablePagination
          component="div"
          count={pagination.total}
          page={Math.max(0, pagination.page - 1)}
          rowsPerPage={pagination.pageSize}
          rowsPerPageOptions={[10, 25, 50, 100]}
          onPageChange={(_, p) => pagination.onChange(p + 1, pagination.pageSize)}
          onRowsPerPageChange={(e) => pagination.onChange(1, Number(e.target.value))}
          labelRowsPerPage="Por página"
          labelDisplayedRows={({ from, to, count }) => `${from}–${to} de ${count}`}
        />
      )}
    </Paper>
  );
}
