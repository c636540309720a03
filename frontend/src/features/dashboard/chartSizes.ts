// The charts' heights, apart from charts.tsx so that DashboardPage reserves them without importing recharts.

/** The bar chart's height for `rows` regimes. */
export const regimesChartHeight = (rows: number) => Math.max(220, rows * 44);
export const TIMELINE_CHART_HEIGHT = 280;
