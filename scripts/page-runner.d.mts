export declare const root: string;
export declare const scifactDir: string;
export declare function runPage(options: { page: string; query?: Record<string, string>; timeoutMs: number; chromiumArgs?: string[] }): Promise<{ results: unknown; browser: string; seconds: number }>;
export declare function markdownTable(rows: Record<string, unknown>[]): string;
export declare function startDevServer(): Promise<{ url: string; close: () => Promise<void> }>;
