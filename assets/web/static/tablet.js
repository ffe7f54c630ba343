// bayskills — the judge's tablet. Plain JavaScript, no build step.
//
// Offline first: a tap writes the mark to an IndexedDB outbox, with the
// idempotency key the server deduplicates retries by (DESIGN §5), and shows
// it as saved on this tablet; the outbox is sent to POST …/marks whenever
// the server answers (at once, on the online event, and by periodic retry).
// The last work (GET …/work) is kept in IndexedDB too, so a page reloaded
// without a network (the service worker, tablet-sw.js, keeps the page)
// shows the marks and what is waiting to send. A mark the server refuses
// (4xx) is shown to the judge and never retried.
'use strict';

(() => {
  const catalog = JSON.parse(document.getElementById('i18n')?.textContent || '{}');

  // t translates key, filling %d and %s in order.
  function t(key, ...args) {
    let i = 0;
    return (catalog[key] ?? key).replace(/%[ds]/g, () => String(args[i++] ?? ''));
  }

  // h builds an element: attributes (class, data-*, on* handlers, boolean
  // properties) and children (nodes or text). Never innerHTML: every text
  // from the server goes in as text.
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'class') el.className = v;
      else if (v === true) el.setAttribute(k, '');
      else el.setAttribute(k, v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : String(c));
    }
    return el;
  }

  // The service worker keeps the pages for offline use: a page it did not
  // keep yet (its first load, before the worker was installed) asks it to.
  function registerWorker() {
    if (!('serviceWorker' in navigator)) return;
    const sw = navigator.serviceWorker;
    sw.register('/tablet/sw.js', { scope: '/tablet' }).catch((err) => console.warn('service worker:', err));
    sw.ready.then(async (reg) => {
      if (await caches.match(location.pathname)) {
        document.body.dataset.offlineReady = '1';
        return;
      }
      const ch = new MessageChannel();
      ch.port1.onmessage = (ev) => { if (ev.data?.kept) document.body.dataset.offlineReady = '1'; };
      reg.active.postMessage({ type: 'keep', url: location.pathname }, [ch.port2]);
    }).catch((err) => console.warn('service worker:', err));
  }
  registerWorker();

  // Signing out leaves nothing of the judge's pages for the next person to
  // open offline: the kept pages and work go (the outbox stays, and is sent
  // when the same judge signs in again). forgets lists what else to forget
  // and may ask the judge first.
  const forgets = [];
  const logout = document.querySelector('form[action="/logout"]');
  logout?.addEventListener('submit', (ev) => {
    if (logout.dataset.forgotten) return;
    ev.preventDefault();
    const steps = forgets.map((f) => f());
    if (steps.includes(false)) return;
    Promise.allSettled([window.caches?.delete('bayskills-tablet-pages'), ...steps]).then(() => {
      logout.dataset.forgotten = '1';
      logout.requestSubmit();
    });
  });

  const root = document.getElementById('tablet');
  if (!root) return; // the skills page: nothing more to do

  const api = root.dataset.api;
  const owner = `${root.dataset.user}:${root.dataset.event}:${root.dataset.skill}`;
  const $ = (id) => document.getElementById(id);

  // Timings of the taps, in ms from the tap to the mark shown as saved on
  // this tablet (after IndexedDB's transaction completed): for the tests,
  // and for anyone who opens the console.
  const timings = (window.tabletTimings = []);

  // ---- IndexedDB: the outbox and the last work -----------------------

  const DB_NAME = 'bayskills-tablet';
  let db = null;

  function openDB() {
    return new Promise((resolve, reject) => {
      const r = indexedDB.open(DB_NAME, 1);
      r.onupgradeneeded = () => {
        const d = r.result;
        d.createObjectStore('outbox', { keyPath: 'key' }).createIndex('owner', 'owner');
        d.createObjectStore('work', { keyPath: 'owner' });
      };
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
  }

  // idb runs fn(stores…) in one transaction and resolves with what fn
  // returned (a request's result when it is an IDBRequest) once the
  // transaction has completed. Writes to the outbox are durable (flushed to
  // disk before they complete); the work is a copy of the server's and may
  // be lost to a power cut.
  function idb(names, mode, fn) {
    return new Promise((resolve, reject) => {
      const tx = db.transaction(names, mode, { durability: names === 'outbox' && mode === 'readwrite' ? 'strict' : 'relaxed' });
      const out = fn(...[names].flat().map((n) => tx.objectStore(n)));
      tx.oncomplete = () => resolve(out instanceof IDBRequest ? out.result : out);
      tx.onerror = tx.onabort = () => reject(tx.error);
    });
  }

  // ---- state ----------------------------------------------------------

  let work = null; // the judge's work as last received from the server
  let workAt = ''; // when it was received
  let outbox = []; // this owner's items, oldest first
  let seq = 0;
  const server = new Map(); // "entry:aspect" → {value, version} of the judge's stored mark
  const aspects = new Map(); // aspect id → {aspect, sub}
  const status = new Map(); // "entry:sub" → the sub-criterion's status
  let online = navigator.onLine;
  let signedOut = false;
  let flushing = false;
  let flushAgain = false;
  let retryTimer = 0;
  let retryDelay = 2000;
  let renderDeferred = false;

  const pairKey = (entry, aspect) => `${entry}:${aspect}`;

  function index() {
    server.clear();
    aspects.clear();
    status.clear();
    for (const m of work.marks) server.set(pairKey(m.entry_id, m.aspect_id), { value: Number(m.value), version: m.version });
    for (const sub of work.sub_criteria) for (const a of sub.aspects) aspects.set(a.id, { aspect: a, sub });
    for (const st of work.status) status.set(`${st.entry_id}:${st.sub_criterion_id}`, st);
  }

  // itemsOf returns the outbox items of a pair, oldest first.
  const itemsOf = (entry, aspect) => outbox.filter((i) => i.entry_id === entry && i.aspect_id === aspect);

  // markOf says what the judge sees for one aspect: the value, and whether it
  // is saved on the server, waiting to send, or refused.
  function markOf(entry, aspect) {
    const items = itemsOf(entry, aspect);
    const live = items.filter((i) => i.state !== 'failed');
    const failed = items.find((i) => i.state === 'failed');
    const s = server.get(pairKey(entry, aspect));
    if (live.length) return { value: live[live.length - 1].value, save: 'pending', failed };
    if (s) return { value: s.value, save: failed ? 'failed' : 'server', failed };
    return { value: null, save: failed ? 'failed' : 'none', failed };
  }

  function newKey() {
    const b = crypto.getRandomValues(new Uint8Array(16)); // randomUUID needs a secure context; this does not
    return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  }

  // ---- a tap ----------------------------------------------------------

  // mark records a value for (entry, aspect) in the outbox. An item never
  // sent yet is changed in place (its key has never left the tablet); once
  // an item may have reached the server, a change is a new item with a new
  // key, sent after it. The outbox in memory changes at once, so that a send
  // starting meanwhile sees it; the mark shows as saved once IndexedDB has it.
  async function mark(entry, aspect, value, startedAt) {
    const items = itemsOf(entry, aspect);
    const last = items[items.length - 1];
    const s = server.get(pairKey(entry, aspect));
    const dels = items.filter((i) => i.state === 'failed');
    let put = null;
    if (last && last.state === 'pending' && !last.attempted) {
      if (items.length === 1 && s && s.value === value) dels.push(last); // back to what the server has
      else (put = last).value = value;
    } else if (!(s && s.value === value && !items.some((i) => i.state === 'pending'))) {
      put = { key: newKey(), owner, seq: Date.now() * 1000 + (seq++ % 1000), entry_id: entry, aspect_id: aspect,
        value, version: null, attempted: false, state: 'pending', error: '' };
      outbox.push(put);
    }
    if (!put && !dels.length) return;
    outbox = outbox.filter((i) => !dels.includes(i));
    await idb('outbox', 'readwrite', (st) => {
      for (const d of dels) st.delete(d.key);
      if (put) st.put(put);
    });
    renderAspect(entry, aspect);
    renderSync();
    const ms = performance.now() - startedAt;
    timings.push(ms);
    document.body.dataset.lastSaveMs = ms.toFixed(1);
    schedule(0);
  }

  function save(entry, aspect, value, startedAt) {
    mark(entry, aspect, value, startedAt).catch((err) => {
      console.error('save mark:', err);
      banner(t('tablet.err.storage'), 'bad');
    });
  }

  // ---- sending --------------------------------------------------------

  function schedule(delay) {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, delay);
  }

  // flush sends the outbox: for each (entry, aspect) its oldest item not
  // refused yet, in batches. The version sent is the last one this tablet
  // saw on the server, fixed at the first attempt, so a retry is the same
  // request and the server answers it "repeated".
  async function flush() {
    if (flushing) {
      flushAgain = true;
      return;
    }
    flushing = true;
    let sent = false;
    const touched = new Set(); // the pairs whose marks the server answered
    try {
      for (;;) {
        const seen = new Set();
        const batch = [];
        for (const i of outbox) {
          const k = pairKey(i.entry_id, i.aspect_id);
          if (i.state !== 'pending' || seen.has(k)) continue;
          seen.add(k);
          batch.push(i);
          if (batch.length === 100) break;
        }
        if (!batch.length || signedOut) break;
        const fresh = batch.filter((i) => !i.attempted);
        for (const i of fresh) {
          i.attempted = true;
          i.version = server.get(pairKey(i.entry_id, i.aspect_id))?.version ?? 0;
        }
        if (fresh.length) await idb('outbox', 'readwrite', (st) => fresh.forEach((i) => st.put(i)));
        renderSync('sending');
        let res;
        try {
          res = await fetch(`${api}/marks`, {
            method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ marks: batch.map((i) => ({ key: i.key, entry_id: i.entry_id, aspect_id: i.aspect_id,
              value: i.value, version: i.version })) }),
          });
        } catch {
          setOnline(false);
          break;
        }
        setOnline(true);
        const body = await res.json().catch(() => ({}));
        for (const i of batch) touched.add(pairKey(i.entry_id, i.aspect_id));
        if (res.ok && body.marks?.length !== batch.length) throw new Error('the server answered for other marks than sent');
        if (res.ok) {
          await acknowledge(batch, body.marks);
          sent = true;
          continue;
        }
        if (res.status === 401) {
          signedOut = true;
          break;
        }
        if (res.status === 429 || res.status >= 500) break; // the server is busy or failing: try again later
        await refuse(batch, res.status, body.error || {});
        if (res.status === 409) sent = true; // fetch the current work, so the judge sees what is stored
      }
    } catch (err) {
      console.error('send marks:', err);
    } finally {
      flushing = false;
    }
    renderSync();
    for (const k of touched) {
      const [entry, aspect] = k.split(':').map(Number);
      renderAspect(entry, aspect);
    }
    if (touched.size && !currentEntry()) renderList();
    if (sent) loadWork();
    if (flushAgain) {
      flushAgain = false;
      schedule(0);
    } else if (outbox.some((i) => i.state === 'pending') && !signedOut) {
      schedule(retryDelay);
      retryDelay = Math.min(retryDelay * 2, 15000);
    }
  }

  // acknowledge removes the stored items (and refusals they supersede) and
  // records the server's versions.
  async function acknowledge(batch, results) {
    retryDelay = 2000;
    const done = new Set();
    batch.forEach((i, n) => {
      const r = results[n];
      server.set(pairKey(i.entry_id, i.aspect_id), { value: i.value, version: r.version });
      const m = work?.marks.find((x) => x.entry_id === i.entry_id && x.aspect_id === i.aspect_id);
      if (m) Object.assign(m, { value: i.value, version: r.version });
      else work?.marks.push({ id: r.mark_id, entry_id: i.entry_id, aspect_id: i.aspect_id, judge_id: work.judge_id,
        value: i.value, version: r.version });
      done.add(i.key);
      for (const f of itemsOf(i.entry_id, i.aspect_id)) if (f.state === 'failed' && f.seq < i.seq) done.add(f.key);
    });
    await idb('outbox', 'readwrite', (st) => done.forEach((k) => st.delete(k)));
    outbox = outbox.filter((i) => !done.has(i.key));
    if (work) keepWork();
  }

  // refuse marks the items the server refused (all of the batch when the
  // answer names no row): shown to the judge, never sent again.
  async function refuse(batch, code, err) {
    const rows = new Map((err.rows || []).map((r) => [r.line - 1, Object.values(r.fields || {}).join('; ')]));
    const reason = { 409: 'tablet.err.conflict', 422: 'tablet.err.invalid', 403: 'tablet.err.forbidden' }[code];
    const text = (detail) => (reason ? t(reason) : t('tablet.err.other', code)) + (detail ? ` (${detail})` : '');
    let hit = batch.filter((_, n) => rows.has(n));
    if (!hit.length) hit = batch;
    batch.forEach((i, n) => {
      if (!hit.includes(i)) return;
      i.state = 'failed';
      i.error = text(rows.get(n) || err.message || '');
    });
    await idb('outbox', 'readwrite', (st) => hit.forEach((i) => st.put(i)));
  }

  async function dismiss(item) {
    await idb('outbox', 'readwrite', (st) => st.delete(item.key));
    outbox = outbox.filter((i) => i.key !== item.key);
    renderEntry();
    renderSync();
  }

  function setOnline(on) {
    if (online === on) return;
    online = on;
    renderSync();
  }

  // ---- work -----------------------------------------------------------

  // keepWork keeps the work with the versions the server acknowledged, for
  // a reload without a network. Off the tap's path: the outbox does not wait.
  function keepWork() {
    idb('work', 'readwrite', (st) => st.put({ owner, work, at: workAt })).catch((err) => console.warn('keep work:', err));
  }

  let loading = null;
  let loadAgain = false;

  // loadWork fetches the judge's work and keeps it; without a network the
  // kept copy stays on screen. Asked while a load is under way, it loads
  // once more after it (the first answer may predate marks just sent).
  function loadWork() {
    if (loading) {
      loadAgain = true;
      return loading;
    }
    loading = (async () => {
      try {
        const res = await fetch(`${api}/work`, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
        setOnline(true);
        if (res.status === 401) {
          signedOut = true;
          return;
        }
        const body = await res.json();
        if (!res.ok) {
          banner(t('tablet.err.work', body.error?.message || res.status), 'bad');
          return;
        }
        signedOut = false;
        // Versions only grow: a mark acknowledged after the server wrote
        // this answer keeps the newer version.
        for (const [k, v] of server) {
          const [entry, aspect] = k.split(':').map(Number);
          const m = body.marks.find((x) => x.entry_id === entry && x.aspect_id === aspect);
          if (!m) body.marks.push({ entry_id: entry, aspect_id: aspect, judge_id: body.judge_id, value: v.value, version: v.version });
          else if (m.version < v.version) Object.assign(m, { value: v.value, version: v.version });
        }
        const same = work && JSON.stringify(work) === JSON.stringify(body);
        work = body;
        workAt = new Date().toISOString();
        index();
        keepWork();
        banner('');
        if (!same) render();
        if (outbox.some((i) => i.state === 'pending')) schedule(0); // the server answers: send what waits
      } catch {
        setOnline(false);
      } finally {
        loading = null;
        renderSync();
      }
    })();
    return loading.then(() => {
      if (loadAgain) {
        loadAgain = false;
        return loadWork();
      }
    });
  }

  // ---- rendering ------------------------------------------------------

  function banner(text, kind) {
    const b = $('banner');
    b.textContent = text;
    b.className = text ? `notice ${kind}` : 'notice hidden';
  }

  function currentEntry() {
    const m = /^#e(\d+)$/.exec(location.hash);
    return m && work ? work.entries.find((e) => e.entry_id === Number(m[1])) : null;
  }

  function render() {
    if (!work) return;
    const entry = currentEntry();
    $('list').classList.toggle('hidden', !!entry);
    $('entry').classList.toggle('hidden', !entry);
    if (entry) renderEntry();
    else renderList();
    renderSync();
  }

  const myAspects = () => work.sub_criteria.flatMap((s) => s.aspects);

  function entryCounts(e) {
    let mine = 0;
    let pending = 0;
    for (const a of myAspects()) {
      const m = markOf(e.entry_id, a.id);
      if (m.value !== null) mine++;
      if (m.save === 'pending') pending++;
    }
    return { mine, total: myAspects().length, pending };
  }

  // names shows who an entry is, except under blind judging (code only:
  // not even a team's name).
  function names(e) {
    if (work.blind) return '';
    if (e.team) return t('tablet.entry.team', e.team);
    return (e.competitors || []).map((c) => `${c.name_native} · ${c.name_latin}`).join(', ');
  }

  function renderList() {
    const ul = $('entries');
    const hint = $('list-hint');
    if (!work.entries.length || !work.sub_criteria.length) {
      hint.textContent = t('tablet.list.empty');
      ul.replaceChildren();
      return;
    }
    hint.textContent = work.blind ? t('tablet.list.blind') : t('tablet.list.hint');
    ul.replaceChildren(...work.entries.map((e) => {
      const c = entryCounts(e);
      const chips = work.sub_criteria.map((sub) => {
        const st = status.get(`${e.entry_id}:${sub.id}`);
        return h('span', { class: `chip st-${st?.state || 'not_started'}`, title: t(`tablet.sub.state.${st?.state || 'not_started'}`) },
          sub.code);
      });
      return h('li', {}, h('a', { class: 'entrycard', href: `#e${e.entry_id}`, 'data-entry': e.entry_id },
        h('span', { class: 'code' }, e.code),
        names(e) && h('span', { class: 'names' }, names(e)),
        h('span', { class: 'mine' }, t('tablet.entry.mine', c.mine, c.total)),
        h('progress', { value: c.mine, max: c.total || 1 }),
        h('span', { class: 'chips' }, chips),
        c.pending ? h('span', { class: 'badge warn' }, t('tablet.entry.pending', c.pending)) : null));
    }));
  }

  function renderEntry() {
    const e = currentEntry();
    if (!e) return;
    const box = $('entry');
    if (box.contains(document.activeElement) && document.activeElement.tagName === 'INPUT') {
      renderDeferred = true; // do not take the field from under the judge's fingers
      return;
    }
    const n = work.entries.indexOf(e);
    const prev = work.entries[n - 1];
    const next = work.entries[n + 1];
    const c = entryCounts(e);
    box.replaceChildren(
      h('nav', { class: 'entrynav' },
        h('a', { class: 'button', href: '#', id: 'back' }, '← ', t('tablet.entry.back')),
        h('span', { class: 'grow' }),
        prev ? h('a', { class: 'button', href: `#e${prev.entry_id}`, rel: 'prev' }, '‹ ', prev.code) : null,
        next ? h('a', { class: 'button', href: `#e${next.entry_id}`, rel: 'next' }, next.code, ' ›') : null),
      h('header', { class: 'entryhead' },
        h('h2', {}, h('span', { class: 'code' }, e.code), names(e) ? h('span', { class: 'names' }, names(e)) : null),
        h('p', { class: 'mine', id: 'mine' }, t('tablet.entry.mine', c.mine, c.total))),
      ...work.sub_criteria.map((sub) => subSection(e, sub)));
  }

  function subSection(e, sub) {
    const st = status.get(`${e.entry_id}:${sub.id}`) || { state: 'not_started', missing: 0, aspects: [] };
    const locked = st.state === 'signed_off';
    return h('section', { class: `sub st-${st.state}`, id: `s-${sub.id}`, 'data-state': st.state },
      h('div', { class: 'subhead' },
        h('h3', {}, `${sub.code} · ${sub.name}`),
        h('span', { class: `badge st-${st.state}` }, t(`tablet.sub.state.${st.state}`)),
        st.missing && !locked ? h('span', { class: 'muted' }, t('tablet.sub.missing', st.missing)) : null,
        signOffButton(e, sub, st)),
      locked ? h('p', { class: 'notice ok' }, t('tablet.sub.locked')) : null,
      ...sub.aspects.map((a) => aspectCard(e, sub, a, st, locked)));
  }

  function signOffButton(e, sub, st) {
    if (st.state !== 'complete') return null;
    const pending = sub.aspects.some((a) => markOf(e.entry_id, a.id).save === 'pending');
    const b = h('button', { type: 'button', class: 'signoff primary', 'data-sub': sub.id, disabled: pending || !online },
      t('tablet.sub.signoff', sub.code));
    let armed = false;
    b.addEventListener('click', async () => {
      if (!armed) { // two taps: a sign-off locks the sub-criterion
        armed = true;
        b.textContent = t('tablet.sub.confirm', sub.code);
        b.classList.add('armed');
        setTimeout(() => { if (b.isConnected && armed) { armed = false; b.textContent = t('tablet.sub.signoff', sub.code); b.classList.remove('armed'); } }, 5000);
        return;
      }
      armed = false;
      b.disabled = true;
      b.textContent = t('tablet.sub.signing');
      try {
        const res = await fetch(`${api}/signoffs`, {
          method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ entry_id: e.entry_id, sub_criterion_id: sub.id }),
        });
        const body = await res.json().catch(() => ({}));
        if (!res.ok) banner(t('tablet.sub.signfailed', body.error?.message || res.status), 'bad');
        await loadWork();
      } catch {
        setOnline(false);
        banner(t('tablet.sub.needsonline'), 'warn');
        renderEntry();
      }
    });
    return b;
  }

  function aspectCard(e, sub, a, st, locked) {
    const as = (st.aspects || []).find((x) => x.aspect_id === a.id) || { state: 'missing' };
    const m = markOf(e.entry_id, a.id);
    const flagged = as.state === 'divergent' || as.state === 'disagreement';
    const tap = (value) => (ev) => save(e.entry_id, a.id, value, ev.timeStamp);
    let input;
    const controls = a.kind === 'J'
      ? h('div', { class: 'jbuttons', role: 'group', 'aria-label': a.code },
        [0, 1, 2, 3].map((v) => h('button', { type: 'button', class: 'score', 'data-value': v, 'aria-pressed': String(m.value === v),
          disabled: locked, onclick: tap(v) }, h('b', {}, String(v)), h('span', {}, (a.descriptors || [])[v] || ''))))
      : h('div', { class: 'mbuttons', role: 'group', 'aria-label': a.code },
        h('button', { type: 'button', class: 'award', 'data-value': 'max', 'aria-pressed': String(m.value === Number(a.max_mark)),
          disabled: locked, onclick: tap(Number(a.max_mark)) }, h('b', {}, t('tablet.aspect.awarded')), h('span', {}, a.max_mark)),
        h('button', { type: 'button', class: 'award', 'data-value': '0', 'aria-pressed': String(m.value === 0),
          disabled: locked, onclick: tap(0) }, h('b', {}, t('tablet.aspect.notawarded')), h('span', {}, '0')),
        h('form', { class: 'part', onsubmit: (ev) => {
          ev.preventDefault();
          const v = parseMarks(input.value, Number(a.max_mark));
          input.setCustomValidity(v === null ? t('tablet.aspect.range', a.max_mark) : '');
          if (v === null) { input.reportValidity(); return; }
          input.blur();
          save(e.entry_id, a.id, v, ev.timeStamp);
        } },
        h('label', {}, t('tablet.aspect.part'),
          input = h('input', { type: 'text', inputmode: 'decimal', autocomplete: 'off', disabled: locked,
            value: m.value !== null && m.value !== 0 && m.value !== Number(a.max_mark) ? String(m.value) : '' })),
        h('button', { type: 'submit', disabled: locked }, t('tablet.aspect.enter'))));
    return h('div', { class: `aspect${flagged ? ' flagged' : ''}`, id: `a-${e.entry_id}-${a.id}`, 'data-aspect': a.id,
      'data-kind': a.kind, 'data-state': as.state },
    h('div', { class: 'ahead' },
      h('span', { class: 'acode' }, a.code),
      h('span', { class: 'adesc' }, a.description),
      h('span', { class: 'amax' }, t('tablet.aspect.max', a.max_mark))),
    a.rule ? h('p', { class: 'rule muted' }, t('tablet.aspect.rule', a.rule)) : null,
    flagged ? flagNotice(as) : null,
    controls,
    h('div', { class: 'astatus' },
      saveState(m),
      h('span', { class: 'panel' }, panelText(as, m))));
  }

  // parseMarks reads marks typed by the judge (a comma as the decimal mark
  // too): 0 to max, at most 2 decimals; null when it is not that.
  function parseMarks(text, max) {
    const s = text.trim().replace(',', '.');
    if (!/^\d+(\.\d{1,2})?$/.test(s)) return null;
    const v = Number(s);
    return v <= max ? v : null;
  }

  function saveState(m) {
    const el = h('span', { class: 'save', 'data-save': m.save });
    switch (m.save) {
      case 'server': el.append('✓ ', t('tablet.mark.server')); break;
      case 'pending': el.append(h('i', { class: 'clock', 'aria-hidden': 'true' }), t('tablet.mark.pending')); break;
      case 'none': el.append(t('tablet.mark.none')); break;
    }
    if (m.failed) {
      el.append(h('span', { class: 'failed' }, '⚠ ', t('tablet.mark.failed', m.failed.value, m.failed.error)),
        h('button', { type: 'button', class: 'link', onclick: () => dismiss(m.failed) }, t('tablet.mark.dismiss')));
    }
    return el;
  }

  function flagNotice(as) {
    const me = work.judge_id;
    const text = as.state === 'divergent' ? t('tablet.flag.divergent', work.marking.divergence_limit) : t('tablet.flag.disagreement');
    return h('div', { class: 'flag', role: 'alert' },
      h('strong', {}, '⚑ ', text),
      h('span', { class: 'scores' }, t('tablet.flag.scores'), ' ',
        (as.scores || []).map((s) => h('span', { class: `pscore${s.judge_id === me ? ' me' : ''}` },
          String(s.value), s.judge_id === me ? ` (${t('tablet.flag.you')})` : ''))));
  }

  function panelText(as, m) {
    const me = work.judge_id;
    switch (as.state) {
      case 'complete': return t('tablet.panel.complete');
      case 'awaiting_confirmation': return t('tablet.panel.confirm');
      case 'divergent': case 'disagreement': return '';
      default: {
        const missing = as.missing_judges || [];
        if (!missing.length) return t('tablet.panel.noentry');
        const others = missing.filter((j) => j !== me).length;
        let mine = '';
        if (missing.includes(me)) mine = m.save === 'pending' ? t('tablet.panel.yousending') : m.value === null ? t('tablet.panel.you') : '';
        return [mine, others ? t('tablet.panel.others', others) : ''].filter(Boolean).join(' · ');
      }
    }
  }

  // renderAspect redraws one aspect card after a tap, and the counts that
  // depend on it: the whole page is not redrawn on the tap's path.
  function renderAspect(entry, aspect) {
    const old = document.getElementById(`a-${entry}-${aspect}`);
    const e = work.entries.find((x) => x.entry_id === entry);
    const info = aspects.get(aspect);
    if (!old || !e || !info) return render();
    const st = status.get(`${entry}:${info.sub.id}`) || { state: 'not_started', aspects: [] };
    old.replaceWith(aspectCard(e, info.sub, info.aspect, st, st.state === 'signed_off'));
    // A mark waiting to send holds the sign-off back.
    const sign = document.querySelector(`#s-${info.sub.id} button.signoff`);
    if (sign) sign.replaceWith(signOffButton(e, info.sub, st));
    const c = entryCounts(e);
    const mine = $('mine');
    if (mine) mine.textContent = t('tablet.entry.mine', c.mine, c.total);
  }

  function renderSync(phase) {
    const net = $('net');
    net.dataset.state = online ? 'online' : 'offline';
    $('net-text').textContent = online ? t('tablet.net.online') : t('tablet.net.offline');
    const pending = outbox.filter((i) => i.state === 'pending').length;
    const failed = outbox.filter((i) => i.state === 'failed').length;
    const sync = $('sync');
    const parts = [];
    let state = 'saved';
    if (signedOut) {
      state = 'signedout';
      parts.push(t('tablet.sync.signedout'));
    }
    if (pending) {
      state = signedOut ? state : 'pending';
      parts.push(phase === 'sending' ? t('tablet.sync.sending', pending) : t('tablet.sync.pending', pending));
    }
    if (failed) {
      state = 'failed';
      parts.push(t('tablet.sync.failed', failed));
    }
    if (!work && !pending) {
      state = 'loading';
      parts.push(t('tablet.loading'));
    } else if (!parts.length) parts.push('✓ ' + t('tablet.sync.saved'));
    // Without HTTPS (or localhost) browsers give no service worker: the
    // outbox works, a reload without a network does not.
    if (!window.isSecureContext) parts.push(t('tablet.sync.insecure'));
    if (!online && workAt) parts.push(t('tablet.sync.copy', new Date(workAt).toLocaleTimeString(document.documentElement.lang)));
    sync.dataset.state = state;
    sync.dataset.pending = pending;
    sync.dataset.failed = failed;
    sync.replaceChildren(parts.join(' · '));
    if (signedOut) {
      sync.append(' ', h('a', { href: `/login?next=${encodeURIComponent(location.pathname)}` }, t('tablet.sync.signin')));
    }
    $('send-now').classList.toggle('hidden', !pending || signedOut);
  }

  // ---- events and start -----------------------------------------------

  $('send-now').addEventListener('click', () => { retryDelay = 2000; schedule(0); });
  window.addEventListener('hashchange', () => { render(); window.scrollTo(0, 0); });
  $('entry').addEventListener('focusout', () => { if (renderDeferred) { renderDeferred = false; setTimeout(renderEntry, 0); } });
  window.addEventListener('online', () => { retryDelay = 2000; setOnline(true); schedule(0); loadWork(); });
  window.addEventListener('offline', () => setOnline(false));
  document.addEventListener('visibilitychange', () => { if (!document.hidden) loadWork(); });
  setInterval(() => { if (!document.hidden && !flushing) loadWork(); }, 30000);
  // Signing out with marks still on this tablet: say so (they stay, and go
  // when this judge signs in again).
  forgets.push(() => {
    const n = outbox.filter((i) => i.state === 'pending').length;
    if (n && !window.confirm(t('tablet.signout.pending', n))) return false;
    return db ? idb('work', 'readwrite', (st) => st.delete(owner)) : null;
  });

  (async () => {
    try {
      db = await openDB();
      navigator.storage?.persist?.().catch(() => {});
      const [kept, items] = await Promise.all([
        idb('work', 'readonly', (st) => st.get(owner)),
        idb('outbox', 'readonly', (st) => st.index('owner').getAll(owner)),
      ]);
      outbox = items.sort((a, b) => a.seq - b.seq);
      if (kept) {
        work = kept.work;
        workAt = kept.at;
        index();
        render();
      }
    } catch (err) {
      banner(t('tablet.err.storage'), 'bad');
      console.error('IndexedDB:', err);
    }
    renderSync();
    await loadWork();
    document.body.dataset.ready = '1';
    if (outbox.some((i) => i.state === 'pending')) schedule(0);
  })();
})();
