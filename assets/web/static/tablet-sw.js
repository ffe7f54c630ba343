// bayskills — the judge's tablet service worker, served as /tablet/sw.js
// (scope /tablet) with the shell's hashed URLs written in by the server.
//
// It keeps what a marking page needs to reload without a network: the
// static files (hashed URLs, kept until no kept page links them) and each
// tablet page as last fetched (network first, the kept copy offline). It
// never touches the API: marks wait in the page's IndexedDB outbox.
'use strict';

const VERSION = /*VERSION*/'';
const SHELL = /*SHELL*/[];
const STATIC = 'bayskills-tablet-static';
const PAGES = 'bayskills-tablet-pages';
const NETWORK_WAIT = 6000; // ms before a hanging page request gives way to the kept copy

self.addEventListener('install', (ev) => {
  ev.waitUntil(caches.open(STATIC).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (ev) => {
  ev.waitUntil(prune().then(() => self.clients.claim()));
});

// prune drops the static files neither the shell nor a kept page links.
async function prune() {
  const pages = await caches.open(PAGES);
  const used = new Set(SHELL.map((u) => new URL(u, self.location).href));
  for (const req of await pages.keys()) {
    const html = await (await pages.match(req)).text();
    for (const m of html.matchAll(/\/static\/[\w.-]+\?v=\w+/g)) used.add(new URL(m[0], self.location).href);
  }
  const statics = await caches.open(STATIC);
  for (const req of await statics.keys()) if (!used.has(req.url)) await statics.delete(req);
}

self.addEventListener('fetch', (ev) => {
  const req = ev.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/static/')) ev.respondWith(staticFile(req));
  else if (isPage(url)) ev.respondWith(tabletPage(req, url));
});

const isPage = (url) => (url.pathname === '/tablet' || url.pathname.startsWith('/tablet/')) && url.pathname !== '/tablet/sw.js';
const pageKey = (url) => new URL(url.pathname, self.location).href; // one copy per page, whatever ?lang= or #entry

async function staticFile(req) {
  const cache = await caches.open(STATIC);
  const hit = await cache.match(req);
  if (hit) return hit;
  const res = await fetch(req);
  if (res.ok && new URL(req.url).searchParams.has('v')) cache.put(req, res.clone());
  return res;
}

// keepable says whether a response is a whole tablet page of the signed-in
// judge (not a redirect to sign in, not an error page).
const keepable = (res) => res.ok && res.type === 'basic' && !res.redirected &&
  (res.headers.get('Content-Type') || '').startsWith('text/html');

async function tabletPage(req, url) {
  const cache = await caches.open(PAGES);
  try {
    const res = await Promise.race([
      fetch(req),
      new Promise((_, reject) => setTimeout(() => reject(new Error('network too slow')), NETWORK_WAIT)),
    ]);
    if (keepable(res)) await cache.put(pageKey(url), res.clone());
    return res;
  } catch (err) {
    let hit = await cache.match(pageKey(url));
    if (!hit && (url.pathname === '/tablet' || url.pathname === '/tablet/')) {
      // The skills page was a redirect to the only skill: open that one.
      const keys = await cache.keys();
      const one = keys.find((k) => new URL(k.url).pathname.startsWith('/tablet/events/'));
      if (one) hit = await cache.match(one);
    }
    return hit || offlinePage();
  }
}

function offlinePage() {
  const html = '<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<title>bayskills · offline</title><h1>Offline · 离线 · 離線 · Sem ligação</h1>' +
    '<p>This page was not opened on this tablet before. Reconnect and try again.</p>' +
    '<p lang="zh-Hans">此页面未曾在本平板上打开过。请重新连接后再试。</p>' +
    '<p lang="zh-Hant">此頁面未曾在本平板上開啟。請重新連線後再試。</p>' +
    '<p lang="pt">Esta página nunca foi aberta neste tablet. Volte a ligar-se e tente de novo.</p>';
  return new Response(html, { status: 503, headers: { 'Content-Type': 'text/html; charset=utf-8' } });
}

// A page asks to keep itself (its first load, before this worker
// controlled it); the answer says when it is kept.
self.addEventListener('message', (ev) => {
  if (ev.data?.type !== 'keep') return;
  const url = new URL(ev.data.url, self.location);
  if (!isPage(url)) return;
  ev.waitUntil((async () => {
    let kept = false;
    try {
      const res = await fetch(url.pathname, { credentials: 'same-origin' });
      if (keepable(res)) {
        await (await caches.open(PAGES)).put(pageKey(url), res);
        kept = true;
      }
    } catch (err) {
      // offline already: the next load keeps it
    }
    ev.ports[0]?.postMessage({ kept, version: VERSION });
  })());
});
