import { useEffect, useState, type ReactNode } from 'react';
import { Box, InputAdornment, Paper, TextField } from '@mui/material';
import SearchIcon from '@mui/icons-material/Search';

export function FilterBar({ children }: { children: ReactNode }) {
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
