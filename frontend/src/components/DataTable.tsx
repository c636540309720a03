import { Fragment, type ReactNode } from 'react';
import { Link as RouterLink, useNavigate } from 'react-router-dom';
import {
  Box, Collapse, Paper, Table, TableBody, TableCell, TableContainer, TableHead, TablePagination, TableRow, TableSortLabel,
} from '@mui/material';
import type { SxProps, Theme } from '@mui/material/styles';

export interface Column<T> {
  key: string;
  label: string;
  render?: (row: T) => ReactNode;
  align?: 'left' | 'right' | 'center';
  width?: number | string;
  hideOnMobile?: boolean;
  /** The API's `ordering` field this column sorts by (server-side); none: not sortable. */
  sortKey?: string;
}

/** The list's `ordering` ("campo" ascending, "-campo" descending) and how to change it (kept in the URL). */
export interface Sorting {
  ordering: string;
  onChange: (ordering: string) => void;
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
  /** Each row is a link to this page: every cell is an <a href> (ctrl-click opens a tab; the first is in the tab order). */
  rowHref?: (row: T) => string;
  sorting?: Sorting;
  pagination?: Pagination;
  rowSx?: (row: T) => SxProps<Theme> | undefined;
  /** A row's details, shown in a full-width row below it while `expanded(row)` is true. */
  details?: { expanded: (row: T) => boolean; render: (row: T) => ReactNode };
  testId?: string;
  label?: string;
}

/**
 * On a phone (below `sm`) every row becomes a card: one line per column, its label on the left, so the key
 * columns (status, valor) stay in view and nothing scrolls sideways. The table stays a table for screen readers.
 */
const CARDS_ON_PHONE: SxProps<Theme> = (theme) => ({
  [theme.breakpoints.down('sm')]: {
    '& thead': { display: 'none' },
    '& tbody tr': { display: 'block', borderBottom: 1, borderColor: 'divider', py: 1 },
    '& tbody td': {
      display: 'flex', gap: 2, justifyContent: 'space-between', alignItems: 'flex-start', textAlign: 'right',
      border: 0, py: 0.5, px: 2,
    },
    '& tbody td[data-label]::before': {
      content: 'attr(data-label)', flexShrink: 0, fontWeight: 600, color: 'text.secondary', textAlign: 'left',
    },
    '& tbody td > *': { minWidth: 0 },
    '& tbody td.dt-oculta': { display: 'none' },
    '& tbody td[colspan]': { display: 'block' },
    '& tbody td[colspan]::before': { content: 'none' },
  },
});

export function DataTable<T extends { id: number | string }>({
  columns, rows, onRowClick, rowHref, sorting, pagination, rowSx, details, testId, label,
}: DataTableProps<T>) {
  const hide = { display: { xs: 'none', md: 'table-cell' } };
  const navigate = useNavigate();
  const clickRow = rowHref ? (row: T) => navigate(rowHref(row)) : onRowClick;
  const sortedBy = sorting?.ordering.replace(/^-/, '');
  const direction = sorting?.ordering.startsWith('-') ? 'desc' : 'asc';
  return (
    <Paper sx={{ overflow: 'hidden' }}>
      <TableContainer>
        <Table size="small" data-testid={testId} aria-label={label} sx={CARDS_ON_PHONE}>
          <TableHead>
            <TableRow>
              {columns.map((c) => (
                <TableCell key={c.key} align={c.align} sx={{ width: c.width, ...(c.hideOnMobile ? hide : {}) }}
                  sortDirection={sorting && c.sortKey === sortedBy ? direction : false}>
                  {sorting && c.sortKey ? (
                    <TableSortLabel active={c.sortKey === sortedBy} direction={c.sortKey === sortedBy ? direction : 'asc'}
                      onClick={() => sorting.onChange(c.sortKey === sortedBy && direction === 'asc' ? `-${c.sortKey}` : c.sortKey!)}>
                      {c.label}
                    </TableSortLabel>
                  ) : c.label}
                </TableCell>
              ))}
            </TableRow>
          </TableHead>
          <TableBody>
            {rows.map((row) => {
              const open = details?.expanded(row) ?? false;
              return (
                <Fragment key={row.id}>
                  <TableRow hover={Boolean(clickRow)} onClick={clickRow ? (e) => {
                    if (!(e.target as HTMLElement).closest('a')) clickRow(row);
                  } : undefined}
                    sx={{
                      cursor: clickRow ? 'pointer' : undefined, ...(rowSx?.(row) as object),
                      ...(open ? { '& > td': { borderBottom: 'unset' } } : {}),
                    }}>
                    {columns.map((c, i) => {
                      const content = c.render ? c.render(row) : String((row as Record<string, unknown>)[c.key] ?? '—');
                      return (
                        <TableCell key={c.key} align={c.align} sx={c.hideOnMobile ? hide : undefined}
                          className={c.hideOnMobile ? 'dt-oculta' : undefined} data-label={c.label}>
                          {rowHref ? (
                            <Box component={RouterLink} to={rowHref(row)} tabIndex={i === 0 ? 0 : -1}
                              sx={{ display: 'block', color: 'inherit', textDecoration: 'none', '&:focus-visible': { outline: 2, outlineColor: 'primary.main' } }}>
                              {content}
                            </Box>
                          ) : content}
                        </TableCell>
                      );
                    })}
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
