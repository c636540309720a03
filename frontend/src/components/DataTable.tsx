import { Fragment, type ReactNode } from 'react';
import {
  Collapse, Paper, Table, TableBody, TableCell, TableContainer, TableHead, TablePagination, TableRow,
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

export interface Pagination {
  page: number; // 1-based, as the API
  pageSize: number;
  total: number;
  onChange: (page: number, pageSize: number) => void;
}

export interface DataTableProps<T> {
  columns: Column<T>[];
  rows: T[];
  onRowClick?: (row: T) => void;
  pagination?: Pagination;
  rowSx?: (row: T) => SxProps<Theme> | undefined;
  /** A row's details, shown in a full-width row below it while `expanded(row)` is true. */
  details?: { expanded: (row: T) => boolean; render: (row: T) => ReactNode };
  testId?: string;
  label?: string;
}

export function DataTable<T extends { id: number | string }>({
  columns, rows, onRowClick, pagination, rowSx, details, testId, label,
}: DataTableProps<T>) {
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
            {rows.map((row) => {
              const open = details?.expanded(row) ?? false;
              return (
                <Fragment key={row.id}>
                  <TableRow hover={Boolean(onRowClick)} onClick={onRowClick ? () => onRowClick(row) : undefined}
                    sx={{
                      cursor: onRowClick ? 'pointer' : undefined, ...(rowSx?.(row) as object),
                      ...(open ? { '& > td': { borderBottom: 'unset' } } : {}),
                    }}>
                    {columns.map((c) => (
                      <TableCell key={c.key} align={c.align} sx={c.hideOnMobile ? hide : undefined}>
                        {c.render ? c.render(row) : String((row as Record<string, unknown>)[c.key] ?? '—')}
                      </TableCell>
                    ))}
                  </TableRow>
                  {details && (
                    <TableRow>
                      <TableCell colSpan={columns.length} sx={{ py: 0, borderBottom: open ? undefined : 'none' }}>
                        <Collapse in={open} timeout="auto" unmountOnExit>{details.render(row)}</Collapse>
                      </TableCell>
                    </TableRow>
                  )}
                </Fragment>
              );
            })}
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
