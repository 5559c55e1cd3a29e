/** Bundles the CLI into `outFile` (default dist/cli/main.mjs) and lists its sources beside it. */
export declare function buildBundle(outFile?: string): Promise<string>;
