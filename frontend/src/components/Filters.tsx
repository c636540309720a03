import { Children, useEffect, useState, type ReactNode } from 'react';
import { Box, Button, Collapse, InputAdornment, Paper, TextField, useMediaQuery, useTheme } from '@mui/material';
import SearchIcon from '@mui/icons-material/Search';
import FilterListIcon from '@mui/icons-material/FilterList';

/** The list's filters; on a phone only the first (the search) shows, the others fold behind "Filtros". */
export function FilterBar({ children }: { children: ReactNode }) {
  const phone = useMediaQuery(useTheme().breakpoints.down('sm'));
  const [open, setOpen] = useState(false);
  const [first, ...rest] = Children.toArray(children);
  if (phone) {
    return (
      <Paper sx={{ p: 1.5, mb: 2 }}>
        <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', '& > :first-of-type': { flex: 1, minWidth: 0 } }}>
          {first}
          {rest.length > 0 && (
            <Button size="small" startIcon={<FilterListIcon />} onClick={() => setOpen(!open)} aria-expanded={open}>
              Filtros
            </Button>
          )}
        </Box>
        <Collapse in={open}>
          <Box sx={{ display: 'grid', gap: 2, pt: 2 }}>{rest}</Box>
        </Collapse>
      </Paper>
    );
  }
  return (
    <Paper sx={{ p: 2, mb: 2 }}>
      <Box sx={{
        display: 'grid', gap: 2, alignItems: 'center',
        gridTemplateColumns: { xs: '1fr', sm: 'repeat(auto-fill, minmax(180px, 1fr))' },
        // The search box (first) takes two columns where there is room.
        '& > :first-of-type': { gridColumn: { sm: 'span 2' } },
      }}>
        {children}
      </Box>
    </Paper>
  );
}

/** A search box that reports its value 350 ms after the user stops typing. */
export function SearchField({ value, onChange, label = 'Buscar', placeholder }:
  { value: string; onChange: (v: string) => void; label?: string; placeholder?: string }) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (text === value) return;
    const t = setTimeout(() => onChange(text), 350);
    return () => clearTimeout(t);
  }, [text, value, onChange]);
  return (
    <TextField size="small" label={label} placeholder={placeholder} value={text} onChange={(e) => setText(e.target.value)}
      slotProps={{ input: { startAdornment: <InputAdornment position="start"><SearchIcon fontSize="small" /></InputAdornment> } }} />
  );
}
