export declare const ROOT: string;
export declare const BUNDLE: string;
export declare const MANIFEST: string;
export declare function bundleIsFresh(bundle?: string, root?: string): boolean;
