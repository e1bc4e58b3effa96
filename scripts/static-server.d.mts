export declare const ISOLATION_HEADERS: Record<string, string>;
export declare function startStaticServer(options: { site: string; models?: string; port?: number; host?: string; headers?: Record<string, string> }): Promise<{ url: string; close: () => Promise<void> }>;
export declare const DEMO_CSP: string;
