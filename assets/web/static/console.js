// bayskills organizer's console: forms that call the JSON API (the session
// cookie authenticates them), the API's refusals shown in the page, the
// live progress dashboard, the recognition plan's table and the progress of
// an issuance of certificates. No framework, no build step.
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
  // field, and each bad row of a file with its line — unless rowsShown:
  // the page shows the bad rows where they are.
  function showError(box, r, rowsShown) {
    var err = (r.data && r.data.error) || {};
    var n = el('div', { 'class': 'notice bad error-report', role: 'alert' }, el('strong', {}, T(statusKey(r.status))));
    if (err.message) { n.append(el('p', { 'class': 'api-message', lang: 'en' }, err.message)); }
    var fields = err.fields || {};
    var names = Object.keys(fields).sort();
    if (names.length) {
      n.append(el('table', { 'class': 'problems by-field' }, [
        el('thead', {}, el('tr', {}, [el('th', {}, T('console.err.field')), el('th', {}, T('console.err.problem'))])),
        el('tbody', {}, names.map(function (f) {
          return el('tr', {}, [el('td', {}, el('code', {}, f)), el('td', { lang: 'en' }, fields[f])]);
        }))
      ]));
    }
    var rows = err.rows || [];
    if (rows.length && rowsShown) {
      n.append(el('p', {}, T('console.certs.plan.rows')));
    } else if (rows.length) {
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
  // nests; fields with data-list collect into an array, in page order, the
  // values of the checkboxes ticked and of the selects chosen (numbers, or
  // text with data-list="text"); other checkboxes are booleans, numbers are
  // numbers (left out when empty). Disabled fields, or fields in a
  // disabled fieldset, are left out.
  function formBody(form) {
    var body = {};
    Array.prototype.forEach.call(form.elements, function (f) {
      if (!f.name || f.type === 'file' || f.matches(':disabled')) { return; }
      var path = f.name.split('.'), last = path.pop(), obj = body;
      path.forEach(function (p) { obj = obj[p] = obj[p] || {}; });
      if (f.hasAttribute('data-list')) {
        obj[last] = obj[last] || [];
        if (f.type === 'checkbox' ? f.checked : f.value !== '') {
          obj[last].push(f.getAttribute('data-list') === 'text' ? f.value : Number(f.value));
        }
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
    },
    issuance: function (r, box, form) {
      box.replaceChildren();
      history.replaceState(null, '', location.pathname + '?batch=' + r.data.id);
      startBatch(r.data, form);
    }
  };

  // bodies build the body of a form by its data-body; formBody by default.
  var bodies = {
    file: function (form) { return new FormData(form); },
    none: function () { return undefined; },
    plan: planBody
  };

  // refusals show the API's refusal of a form by its data-body; showError
  // by default.
  var refusals = { plan: showPlanErrors };

  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    if (!form.matches('form[data-url]')) { return; }
    ev.preventDefault();
    var box = form.querySelector('.result') || form;
    var button = form.querySelector('button[type=submit]');
    var kind = form.dataset.body;
    var body = (bodies[kind] || formBody)(form);
    if (button) { button.disabled = true; }
    box.replaceChildren(el('p', { 'class': 'muted' }, T('console.sending')));
    api(form.dataset.method || 'POST', form.dataset.url, body).then(function (r) {
      if (button) { button.disabled = false; }
      if (!r.ok) { (refusals[kind] || showError)(box, r); return; }
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

  // --- recognition plan ----------------------------------------------
  // One table row per plan entry, in order: the API numbers its refusals
  // by row (line 1 is the first), so the page marks the rows themselves.

  var planTable = document.getElementById('plan-table');

  function planRows() {
    return planTable ? Array.prototype.slice.call(planTable.querySelectorAll('tbody tr.plan-row')) : [];
  }

  function field(tr, name) { return tr.querySelector('[name="' + name + '"]'); }

  // planBody is the plan as PUT …/plan takes it: a minimum score only for
  // the score achievement, a reference only for an official mapping.
  function planBody() {
    return {
      entries: planRows().map(function (tr) {
        var e = {
          issuer_id: Number(field(tr, 'issuer_id').value) || 0, achievement: field(tr, 'achievement').value,
          level: field(tr, 'level').value, provenance: field(tr, 'provenance').value
        };
        if (e.achievement === 'score' && field(tr, 'min_score').value !== '') { e.min_score = Number(field(tr, 'min_score').value); }
        if (e.provenance === 'official') { e.reference = field(tr, 'reference').value; }
        return e;
      })
    };
  }

  function clearPlanErrors() {
    if (!planTable) { return; }
    planTable.querySelectorAll('tr.row-error').forEach(function (n) { n.remove(); });
    planTable.querySelectorAll('[aria-invalid]').forEach(function (n) { n.removeAttribute('aria-invalid'); });
  }

  // The column heading of each field the API names.
  var planFields = {
    issuer_id: 'console.certs.plan.issuer', achievement: 'console.certs.plan.achievement',
    min_score: 'console.certs.plan.minscore', level: 'console.certs.plan.level',
    provenance: 'console.certs.plan.provenance', reference: 'console.certs.plan.reference.short'
  };

  // showPlanErrors shows the API's refusal of the plan: the message above,
  // and under each bad row what is wrong with which of its fields.
  function showPlanErrors(box, r) {
    clearPlanErrors();
    showError(box, r, true);
    var rows = planRows();
    ((r.data && r.data.error && r.data.error.rows) || []).forEach(function (row) {
      var tr = rows[row.line - 1];
      if (!tr) { return; }
      var items = Object.keys(row.fields || {}).sort().map(function (f) {
        var input = field(tr, f);
        if (input) { input.setAttribute('aria-invalid', 'true'); }
        return el('li', {}, [el('strong', {}, T(planFields[f] || f) + ': '), el('span', { lang: 'en' }, row.fields[f])]);
      });
      tr.after(el('tr', { 'class': 'row-error', 'data-line': row.line }, [
        el('td', { 'class': 'num' }, '⚠ ' + row.line), el('td', { colspan: '5' }, el('ul', {}, items))
      ]));
    });
  }

  // syncPlanRow shows a row's minimum score for the score achievement
  // only, and its reference for an official mapping only.
  function syncPlanRow(tr) {
    tr.querySelector('.minscore').classList.toggle('hidden', field(tr, 'achievement').value !== 'score');
    field(tr, 'reference').classList.toggle('hidden', field(tr, 'provenance').value !== 'official');
  }

  // setLevels offers the levels of the framework of the row's issuer,
  // keeping the level chosen when the framework has it.
  function setLevels(tr) {
    var level = field(tr, 'level'), was = level.value;
    var model = document.querySelector('template[data-levels-of="' + field(tr, 'issuer_id').value + '"]');
    level.replaceChildren();
    if (!model) {
      level.append(el('option', { value: '' }, T('console.certs.plan.level.first')));
      return;
    }
    level.append(model.content.cloneNode(true));
    var keep = Array.prototype.filter.call(level.options, function (o) { return !o.disabled && o.value === was; })[0] ||
      Array.prototype.filter.call(level.options, function (o) { return !o.disabled; })[0];
    if (keep) { keep.selected = true; }
  }

  // renumberPlan numbers the rows as the API counts them.
  function renumberPlan() {
    var rows = planRows();
    rows.forEach(function (tr, i) { tr.querySelector('.line').textContent = i + 1; });
    document.getElementById('plan-empty').classList.toggle('hidden', rows.length > 0);
    document.getElementById('plan-wrap').classList.toggle('hidden', rows.length === 0);
  }

  // neighbour is the plan row before (dir < 0) or after a row.
  function neighbour(tr, dir) {
    var n = tr;
    do { n = dir < 0 ? n.previousElementSibling : n.nextElementSibling; } while (n && !n.matches('tr.plan-row'));
    return n;
  }

  if (planTable) {
    planTable.addEventListener('change', function (ev) {
      var tr = ev.target.closest('tr.plan-row');
      if (!tr) { return; }
      if (ev.target.name === 'issuer_id') { setLevels(tr); }
      syncPlanRow(tr);
    });
    planTable.addEventListener('click', function (ev) {
      var b = ev.target.closest('button[data-act]');
      if (!b) { return; }
      var tr = b.closest('tr.plan-row'), act = b.dataset.act;
      clearPlanErrors(); // the lines they name change
      if (act === 'remove') {
        tr.remove();
      } else {
        var other = neighbour(tr, act === 'up' ? -1 : 1);
        if (other && act === 'up') { other.before(tr); }
        if (other && act === 'down') { other.after(tr); }
        b.focus();
      }
      renumberPlan();
    });
    var add = document.getElementById('plan-add');
    if (add) {
      add.addEventListener('click', function () {
        var tr = document.getElementById('plan-row-model').content.firstElementChild.cloneNode(true);
        var last = planRows().pop();
        var anchor = last && last.nextElementSibling && last.nextElementSibling.matches('tr.row-error') ? last.nextElementSibling : last;
        if (anchor) { anchor.after(tr); } else { planTable.tBodies[0].prepend(tr); }
        renumberPlan();
        field(tr, 'issuer_id').focus();
      });
    }
  }

  // --- issuance --------------------------------------------------------
  // POST …/issuances answers with the batch; the page follows it every
  // second until it has ended. Issued, the page reloads to list the new
  // certificates (?batch= keeps the batch shown).

  var issuance = document.getElementById('issuance');

  function showBatch(b) {
    issuance.classList.remove('hidden');
    issuance.dataset.batch = b.id;
    issuance.dataset.state = b.state;
    issuance.querySelector('[data-k=title]').textContent = T('console.certs.batch', b.id);
    var state = issuance.querySelector('[data-k=state]');
    state.textContent = T('console.certs.batch.' + b.state);
    state.className = 'badge batch-' + b.state;
    var bar = issuance.querySelector('progress');
    bar.max = b.total || 1;
    bar.value = b.state === 'issued' ? bar.max : b.done;
    issuance.querySelector('[data-k=count]').textContent = T('console.certs.batch.progress', b.done, b.total);
    issuance.querySelector('[data-k=error]').hidden = b.state !== 'failed';
    issuance.querySelector('[data-k=reason]').textContent = b.error || '';
  }

  // followBatch polls batch id until it has ended; watched: the page saw
  // it run, so it reloads when it is issued.
  function followBatch(id, form, watched) {
    var note = issuance.querySelector('[data-k=note]');
    api('GET', issuance.dataset.url + id).then(function (r) {
      if (!r.ok) {
        var transient = r.status === 0 || r.status >= 500;
        note.textContent = T(transient ? 'console.live.lost' : statusKey(r.status));
        if (transient) { setTimeout(function () { followBatch(id, form, watched); }, 2000); }
        return;
      }
      note.textContent = '';
      showBatch(r.data);
      var submit = form && form.querySelector('button[type=submit]');
      switch (r.data.state) {
        case 'running':
          if (submit) { submit.disabled = true; }
          setTimeout(function () { followBatch(id, form, true); }, 1000);
          break;
        case 'issued':
          if (watched) { location.assign(location.pathname + '?batch=' + id + '&done=issued'); }
          break;
        default:
          if (submit) { submit.disabled = false; }
      }
    });
  }

  function startBatch(b, form) {
    showBatch(b);
    form.querySelector('button[type=submit]').disabled = true;
    setTimeout(function () { followBatch(b.id, form, true); }, 1000);
  }

  if (issuance && issuance.dataset.state === 'running') {
    followBatch(issuance.dataset.batch, document.getElementById('issue-form'), true);
  }

  var hideSuperseded = document.getElementById('hide-superseded');
  if (hideSuperseded) {
    hideSuperseded.addEventListener('change', function () {
      document.getElementById('certificates-table').classList.toggle('hide-superseded', hideSuperseded.checked);
    });
  }

  // --- issuers ---------------------------------------------------------
  // The issuer form asks for what its numbering needs, and follows the
  // region with the region's framework and languages until they are
  // chosen by hand.

  var issuerForm = document.getElementById('create-issuer-form');

  // regionLanguages are the usual languages of each region's
  // certificates, in print order.
  var regionLanguages = { GD: ['zh-Hans', 'en'], HK: ['zh-Hant', 'en'], MO: ['zh-Hant', 'pt', 'en'] };

  function syncNumbering() {
    var numbering = issuerForm.elements.numbering.value;
    issuerForm.querySelectorAll('fieldset[data-numbering]').forEach(function (fs) {
      var on = fs.dataset.numbering === numbering;
      fs.disabled = !on;
      fs.classList.toggle('hidden', !on);
    });
  }

  if (issuerForm) {
    var languages = issuerForm.querySelectorAll('select[name=languages]');
    var chosen = { framework: false, languages: false, numbering: false }; // by hand
    issuerForm.addEventListener('change', function (ev) {
      var t = ev.target;
      if (t.name === 'framework') { chosen.framework = true; }
      if (t.name === 'languages') { chosen.languages = true; }
      if (t.name === 'region') {
        var fw = issuerForm.elements.framework;
        if (!chosen.framework) {
          var match = fw.querySelector('option[data-region="' + t.value + '"]');
          fw.value = match ? match.value : '';
        }
        if (!chosen.languages) {
          languages.forEach(function (s, i) { s.value = (regionLanguages[t.value] || [])[i] || ''; });
        }
        if (!chosen.numbering) { issuerForm.elements.numbering.value = t.value === 'GD' ? 'mainland' : 'template'; }
      }
      if (t.name === 'numbering') { chosen.numbering = true; }
      syncNumbering();
    });
    syncNumbering();
  }
}());
