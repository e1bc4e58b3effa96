export declare function createRandom(seed: number): { uniform(): number; gaussian(): number };
