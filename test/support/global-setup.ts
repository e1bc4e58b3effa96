import { makeFixtures } from '../../scripts/make-fixtures.mjs';

/** Builds the fixture models when missing (fast no-op when they are up to date). */
export default function setup(): void {
  makeFixtures();
}
