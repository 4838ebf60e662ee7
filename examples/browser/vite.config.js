// The browser example is served by Vite (npm run demo:browser), as an app that imports dmafence
// is. The headers make the page cross-origin isolated (SharedArrayBuffer, and so clock: 'real').
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default {
  server: { headers: isolation, host: '127.0.0.1', port: 8080 },
  preview: { headers: isolation, host: '127.0.0.1', port: 8080 },
};
