// transformers.js imports sharp at load time in Node; an empty module makes that import fail,
// so this stub is a function that only throws when someone actually tries to process an image.
export default function sharp() {
  throw new Error('sharp is stubbed out by pagerag (package.json "overrides"): image processing is not supported.');
}
