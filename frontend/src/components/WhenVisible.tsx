import { Suspense, useEffect, useRef, useState, type ReactNode } from 'react';
import { Box } from '@mui/material';

/**
 * Renders `children` (typically a lazy component) only once its box comes within `margin` of the viewport,
 * in a box `minHeight` tall all along: what is below the fold costs nothing on the first load, and nothing
 * shifts when it arrives. Without IntersectionObserver (jsdom) it renders at once.
 */
export function WhenVisible({ minHeight, margin = '0px', children }: { minHeight: number; margin?: string; children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  const [visible, setVisible] = useState(() => typeof IntersectionObserver === 'undefined');
  useEffect(() => {
    if (visible || !ref.current) return undefined;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) setVisible(true);
    }, { rootMargin: margin });
    observer.observe(ref.current);
    return () => observer.disconnect();
  }, [visible, margin]);
  return (
    <Box ref={ref} sx={{ minHeight }}>
      {visible && <Suspense fallback={null}>{children}</Suspense>}
    </Box>
  );
}
