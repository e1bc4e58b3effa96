// pagerag demo service worker. The build (vite.demo.config.ts) writes the list of every file it
// emitted into PRECACHE and names the cache after their hashes, so one full visit is enough to
// work offline: the whole app shell is cached at install, not only what the page happened to fetch
// after this worker took control. Model files are cached by the models' own loaders
// (transformers.js, web-llm: Cache API) and are left to them.
const PRECACHE = self.__PRECACHE__;
const PREFIX = 'pagerag-demo-shell-';
const CACHE = PREFIX + PRECACHE.version;

self.addEventListener('install', (event) => {
  // `cache: 'reload'`: from the network, never from the HTTP cache of an older deploy.
  const requests = ['./', ...PRECACHE.files].map((file) => new Request(new URL(file, self.registration.scope), { cache: 'reload' }));
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(requests)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  // Only this shell's own older caches: the models' caches (transformers-cache, webllm/…) live here too.
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key.startsWith(PREFIX) && key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin || url.pathname.includes('/models/')) return;
  // Hashed build files never change: from the cache. The page itself: network first, so a new
  // deploy is picked up, and the cached copy when offline.
  if (url.pathname.includes('/assets/')) {
    event.respondWith(caches.match(event.request).then((hit) => hit ?? fetch(event.request)));
    return;
  }
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          void caches.open(CACHE).then((cache) => cache.put(event.request, copy));
        }
        return response;
      })
      .catch(() => caches.match(event.request, { ignoreSearch: url.pathname.endsWith('/') || url.pathname.endsWith('.html') }).then((hit) => hit ?? Response.error())),
  );
});
