export declare const FIXTURES_DIR: string;
export interface FixtureManifest {
  generator: string;
  models: Record<string, { id: string; bytes: number }>;
}
export declare function makeFixtures(options?: { force?: boolean }): FixtureManifest;
