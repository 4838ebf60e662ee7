// Vite config of the example app. Nothing here is needed to find dmafence's wasm core or device
// worker: Vite emits both from the package's literal URLs. The headers make the page cross-origin
// isolated (SharedArrayBuffer, and so clock: 'real') in `vite` (dev) and `vite preview`.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default {
  server: { headers: isolation },
  preview: { headers: isolation },
};
