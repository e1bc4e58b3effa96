// pagerag replaces onnxruntime-node with this stub (see package.json "overrides").
// Browser builds of transformers.js never import it; Node code paths in pagerag use onnxruntime-web.
const message =
  'onnxruntime-node is stubbed out by pagerag (package.json "overrides"). Use onnxruntime-web (device "wasm") in Node, or remove the override to install the real package.';
export const InferenceSession = {
  create() {
    throw new Error(message);
  },
};
export const Tensor = class {
  constructor() {
    throw new Error(message);
  },
};
export const env = {};
export const listSupportedBackends = () => [];
export default { InferenceSession, Tensor, env, listSupportedBackends };
