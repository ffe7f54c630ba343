// bayskills organizer's console: forms that call the JSON API (the session
// cookie authenticates them), the API's refusals shown in the page, and the
// live progress dashboard. No framework, no build step.
(function () {
  'use strict';

  var catalog = {};
  try { catalog = JSON.parse(document.getElementById('i18n').textContent); } catch (e) { /* keys show */ }

  // T translates key, replacing each %d or %s by the next argument.
  function T(key) {
    var args = Array.prototype.slice.call(arguments, 1), i = 0;
    return (catalog[key] || key).replace(/%[ds]/g, function () { return String(args[i++]); });
  }

  // el builds an element with attributes and children (strings become text).
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    [].concat(children === undefined ? [] : children).forEach(function (c) {
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    });
    return e;
  }

  // api calls the JSON API; it never throws: {ok, status, data}, status 0
  // when the server could not be reached.
  function api(method, url, body) {
    var opts = { method: method, headers: { Accept: 'application/json' }, credentials: 'same-origin' };
    if (body instanceof FormData) {
      opts.body = body;
    } else if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    return fetch(url, opts).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { /* not JSON */ }
        return { ok: res.ok, status: res.status, data: data };
      });
    }, function () { return { ok: false, status: 0, data: null }; });
  }

  function statusKey(status) {
    if (status === 0) { return 'console.err.network'; }
    if (status >= 500) { return 'console.err.internal'; }
    var known = { 400: 'invalid', 401: 'signin', 403: 'forbidden', 404: 'notfound', 409: 'conflict', 413: 'toolarge', 422: 'invalid', 429: 'limited' };
    return 'console.err.' + (known[status] || 'other');
  }

  // showError puts the API's refusal in box: our heading in the page
  // language, then the API's own message (English) as it is, each bad
  // field, and each bad row of a file with its line.
  function showError(box, r) {
    var err = (r.data && r.data.error) || {};
    var n = el('div', { 'class': 'notice bad error-report', role: 'alert' }, el('strong', {}, T(statusKey(r.status))));
    if (err.message) { n.append(el('p', { 'class': 'api-message', lang: 'en' }, err.message)); }
    var fields = err.fields || {};
    var names = Object.keys(fields).sort();
    if (names.length) {
      n.append(el('table', { 'class': 'problems fields' }, [
        el('thead', {}, el('tr', {}, [el('th', {}, T('console.err.field')), el('th', {}, T('console.err.problem'))])),
        el('tbody', {}, names.map(function (f) {
          return el('tr', {}, [el('td', {}, el('code', {}, f)), el('td', { lang: 'en' }, fields[f])]);
        }))
      ]));
    }
    var rows = err.rows || [];
    if (rows.length) {
      var body = el('tbody');
      rows.forEach(function (row) {
        Object.keys(row.fields || {}).sort().forEach(function (f) {
          body.append(el('tr', { 'data-line': row.line }, [
            el('td', { 'class': 'num' }, row.line), el('td', {}, el('code', {}, f)), el('td', { lang: 'en' }, row.fields[f])
          ]));
        });
      });
      n.append(el('div', { 'class': 'tablewrap' }, el('table', { 'class': 'problems rows' }, [
        el('thead', {}, el('tr', {}, [el('th', { 'class': 'num' }, T('console.err.line')), el('th', {}, T('console.err.column')), el('th', {}, T('console.err.problem'))])),
        body
      ])));
    }
    if (r.status === 401) {
      n.append(el('p', {}, el('a', { href: '/login?next=' + encodeURIComponent(location.pathname) }, T('console.err.signin.link'))));
    }
    if (err.request_id && r.status >= 500) { n.append(el('p', { 'class': 'small' }, 'request ' + err.request_id)); }
    box.replaceChildren(n);
  }

  // formBody builds the JSON body of a form: a dotted name (settings.x)
  // nests, checkboxes with data-list collect their numeric values into an
  // array, other checkboxes are booleans, numbers are numbers (left out
  // when empty).
  function formBody(form) {
    var body = {};
    Array.prototype.forEach.call(form.elements, function (f) {
      if (!f.name || f.type === 'file' || f.disabled) { return; }
      var path = f.name.split('.'), last = path.pop(), obj = body;
      path.forEach(function (p) { obj = obj[p] = obj[p] || {}; });
      if (f.hasAttribute('data-list')) {
        obj[last] = obj[last] || [];
        if (f.checked) { obj[last].push(Number(f.value)); }
      } else if (f.type === 'checkbox') {
        obj[last] = f.checked;
      } else if (f.type === 'number' || f.dataset.type === 'int') {
        if (f.value !== '') { obj[last] = Number(f.value); }
      } else {
        obj[last] = f.value;
      }
    });
    return body;
  }

  // reloadWith reloads the page announcing what was done (?done=).
  function reloadWith(done) {
    location.assign(location.pathname + '?done=' + encodeURIComponent(done));
  }

  // showPINs lists the PINs the server generated for imported judges: they
  // are shown once, never again.
  function showPINs(box, judges) {
    var withPIN = judges.filter(function (j) { return j.pin; });
    if (!withPIN.length) { reloadWith('judges'); return; }
    box.replaceChildren(el('div', { 'class': 'notice ok', role: 'status' }, [
      el('strong', {}, T('console.import.done', judges.length)),
      el('p', {}, T('console.import.pins.once')),
      el('table', { 'class': 'problems' }, [
        el('thead', {}, el('tr', {}, [el('th', {}, T('console.judge.username')), el('th', {}, 'PIN')])),
        el('tbody', {}, withPIN.map(function (j) { return el('tr', {}, [el('td', {}, j.username), el('td', {}, el('code', {}, j.pin))]); }))
      ]),
      el('p', {}, el('a', { href: location.pathname + '?done=judges' }, T('console.import.continue')))
    ]));
  }

  var after = {
    event: function (r) { location.assign('/console/events/' + r.data.id + '?done=event'); },
    'import:competitors': function () { reloadWith('competitors'); },
    'import:judges': function (r, box) { showPINs(box, (r.data && r.data.items) || []); },
    unlock: function (r, box, form) {
      var picked = ['entry_id', 'sub_criterion_id'].map(function (n) {
        var f = form.elements[n];
        return f.options[f.selectedIndex].text;
      }).join(' · ');
      box.replaceChildren(el('p', { 'class': 'notice ok', role: 'status' }, T('console.unlock.done', picked)));
      form.reset();
      refreshProgress();
    }
  };

  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    if (!form.matches('form[data-url]')) { return; }
    ev.preventDefault();
    var box = form.querySelector('.result') || form;
    var button = form.querySelector('button[type=submit]');
    var kind = form.dataset.body;
    var body = kind === 'file' ? new FormData(form) : kind === 'none' ? undefined : formBody(form);
    if (button) { button.disabled = true; }
    box.replaceChildren(el('p', { 'class': 'muted' }, T('console.sending')));
    api(form.dataset.method || 'POST', form.dataset.url, body).then(function (r) {
      if (button) { button.disabled = false; }
      if (!r.ok) { showError(box, r); return; }
      var then = form.dataset.then || '';
      if (then.indexOf('done:') === 0) { reloadWith(then.slice(5)); return; }
      (after[then] || function () { box.replaceChildren(); })(r, box, form);
    });
  });

  // --- live progress -------------------------------------------------

  var live = document.getElementById('live');
  var grid = document.getElementById('progress-grid');

  function cellText(s) {
    switch (s.state) {
      case 'in_progress': return String(s.missing);
      case 'flagged': return '⚑ ' + s.flagged;
      case 'complete': return '●';
      case 'signed_off': return '✓';
      default: return '·';
    }
  }

  function setText(node, text) {
    if (node && node.textContent !== String(text)) {
      node.textContent = text;
      node.classList.remove('changed');
      void node.offsetWidth; // restart the highlight
      node.classList.add('changed');
    }
  }

  // showProgress updates the dashboard in place from GET …/progress; a
  // competitor or sub-criterion the page does not show yet reloads it.
  function showProgress(p) {
    var unknown = false;
    (p.entries || []).forEach(function (e) {
      e.sub_criteria.forEach(function (s) {
        var td = grid && grid.querySelector('td[data-entry="' + s.entry_id + '"][data-sub="' + s.sub_criterion_id + '"]');
        if (!td) { unknown = true; return; }
        var cls = 'c st st-' + s.state;
        if (td.className.replace(' changed', '') !== cls) {
          td.className = cls;
          td.title = s.code + ': ' + T('console.state.' + s.state);
        }
        setText(td, cellText(s));
      });
    });
    if (unknown && grid) { location.reload(); return; }
    var totals = p.totals || {}, by = totals.by_state || {};
    document.querySelectorAll('[data-total]').forEach(function (n) {
      var k = n.dataset.total;
      setText(n, k === 'pairs' ? totals.pairs : k === 'marks_stored' ? totals.marks_stored : (by[k] || 0));
    });
    var meter = document.getElementById('signed-meter');
    if (meter) { meter.max = totals.pairs || 0; meter.value = by.signed_off || 0; }
    (p.judges || []).forEach(function (j) {
      var row = document.querySelector('#progress-judges tr[data-judge="' + j.judge_id + '"]');
      if (!row) { return; }
      ['entered', 'owed', 'flagged'].forEach(function (k) { setText(row.querySelector('[data-k="' + k + '"]'), j[k]); });
    });
  }

  var polling = false;
  function refreshProgress() {
    if (!live || polling) { return; }
    polling = true;
    api('GET', live.dataset.url).then(function (r) {
      polling = false;
      if (!r.ok) {
        live.classList.add('stale');
        live.textContent = T(r.status === 401 ? 'console.live.signin' : 'console.live.lost');
        return;
      }
      live.classList.remove('stale');
      showProgress(r.data);
      live.textContent = T('console.live.updated', new Date().toLocaleTimeString(document.documentElement.lang));
    });
  }

  if (live) {
    refreshProgress();
    setInterval(function () { if (!document.hidden) { refreshProgress(); } }, Number(live.dataset.interval) || 3000);
    document.addEventListener('visibilitychange', function () { if (!document.hidden) { refreshProgress(); } });
  }

  // The chief expert picks what to unlock by clicking a signed-off cell.
  var unlock = document.getElementById('unlock-form');
  if (unlock && grid) {
    grid.classList.add('pickable');
    grid.addEventListener('click', function (ev) {
      var td = ev.target.closest('td.st-signed_off');
      if (!td) { return; }
      unlock.elements.entry_id.value = td.dataset.entry;
      unlock.elements.sub_criterion_id.value = td.dataset.sub;
      unlock.scrollIntoView({ block: 'nearest' });
      unlock.elements.reason.focus();
    });
  }
}());
