// The verification pages' script (DESIGN §8). On a certificate's page it
// checks the QR code's signed claims — the URL's fragment, which browsers
// never send to the server — through POST /api/v1/public/certificates/{id}/claims
// and shows the answer in place of the registry's verdict; it keeps the
// fragment across the language switch. On the lookup page it lets the
// upload box take a dropped file. Without it the pages work as rendered.
(function () {
  'use strict';
  var catalog = {};
  try { catalog = JSON.parse(document.getElementById('i18n').textContent); } catch (e) { /* the API's words show */ }

  // t translates key (with %s filled by arg), or returns fallback.
  function t(key, arg, fallback) {
    var msg = catalog[key];
    if (msg === undefined) return fallback === undefined ? key : fallback;
    return arg === undefined ? msg : msg.replace('%s', arg);
  }

  function el(tag, cls, text, lang) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    if (lang !== undefined) e.setAttribute('lang', lang);
    return e;
  }

  // said is a reason or check detail of the API as the page shows it, as
  // the server renders it: the catalog's words for its code, else the
  // API's English; an officer's reason as typed, in a language the page
  // does not know (lang="").
  function said(cls, code, english) {
    if (code === 'officer') return el('span', cls, english, '');
    var key = 'verify.code.' + code;
    if (code && Object.prototype.hasOwnProperty.call(catalog, key)) return el('span', cls, catalog[key]);
    return el('span', cls, english, 'en');
  }

  var drop = document.querySelector('.drop');
  if (drop) {
    var input = drop.querySelector('input[type=file]');
    ['dragenter', 'dragover'].forEach(function (ev) {
      drop.addEventListener(ev, function (e) { e.preventDefault(); drop.classList.add('over'); });
    });
    drop.addEventListener('dragleave', function () { drop.classList.remove('over'); });
    drop.addEventListener('drop', function (e) {
      e.preventDefault();
      drop.classList.remove('over');
      if (e.dataTransfer && e.dataTransfer.files.length) input.files = e.dataTransfer.files;
    });
  }

  var box = document.getElementById('verification');
  var id = box && box.dataset.id;
  if (!id) return;

  // The dates of the API are instants; the page shows the day in the
  // Greater Bay Area (UTC+8), as the server does.
  function day(s) {
    var ms = Date.parse(s);
    return isNaN(ms) ? s : new Date(ms + 8 * 3600e3).toISOString().slice(0, 10);
  }

  function showVerdict(v) {
    var sec = document.getElementById('verdict');
    sec.className = 'verdict v-' + v.verdict;
    sec.dataset.verdict = v.verdict;
    sec.textContent = '';
    sec.appendChild(el('p', 'word', t('verify.verdict.' + v.verdict, undefined, v.verdict.toUpperCase())));
    var key = 'verify.verdict.' + v.verdict + '.text';
    sec.appendChild(el('p', 'says', v.since ? t(key, day(v.since)) : t(key)));
    if (v.reason) {
      var p = el('p', 'reason', t('verify.reason') + ' ');
      p.appendChild(said('', v.reason_code, v.reason));
      sec.appendChild(p);
    }
  }

  function checkLine(c, why) {
    var li = el('li', 'check r-' + c.result);
    li.dataset.check = c.name;
    li.dataset.result = c.result;
    li.appendChild(el('span', 'what', t('verify.check.' + c.name, undefined, c.name)));
    li.appendChild(document.createTextNode(' '));
    li.appendChild(el('span', 'result', t('verify.result.' + c.result, undefined, c.result)));
    li.appendChild(document.createTextNode(' '));
    li.appendChild(el('span', 'why', why || t('verify.check.' + c.name + '.' + c.result, undefined, c.detail)));
    if (c.result === 'failed' && c.detail) {
      li.appendChild(document.createTextNode(' '));
      li.appendChild(said('detail', c.code, c.detail));
    }
    return li;
  }

  function showChecks(checks) {
    var ul = document.getElementById('checks');
    ul.textContent = '';
    checks.forEach(function (c) { ul.appendChild(checkLine(c)); });
  }

  // setClaims shows the claims check alone as result, saying why.
  function setClaims(result, why) {
    var old = document.querySelector('#checks [data-check="claims"]');
    if (old) old.replaceWith(checkLine({ name: 'claims', result: result }, why));
  }

  // keepFragment makes the language switch keep the claims.
  function keepFragment() {
    document.querySelectorAll('.langs a').forEach(function (a) {
      a.setAttribute('href', a.getAttribute('href').split('#')[0] + location.hash);
    });
  }

  var asked = 0; // the latest check; an older answer is dropped
  function check() {
    keepFragment();
    var jws = location.hash.slice(1);
    try { jws = decodeURIComponent(jws); } catch (e) { /* as it is */ }
    jws = jws.trim();
    if (!jws) {
      if (asked) { location.reload(); return; } // back to the registry's verdict
      setClaims('not_checked', t('verify.check.claims.nofragment'));
      document.body.dataset.claims = 'none';
      return;
    }
    var n = ++asked;
    setClaims('checking', t('verify.check.claims.checking'));
    document.body.dataset.claims = 'checking';
    fetch('/api/v1/public/certificates/' + encodeURIComponent(id) + '/claims', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ claims: jws })
    }).then(function (r) {
      if (!r.ok) throw new Error('status ' + r.status);
      return r.json();
    }).then(function (v) {
      if (n !== asked) return;
      showVerdict(v);
      showChecks(v.checks || []);
      document.body.dataset.claims = 'checked';
    }).catch(function () {
      if (n !== asked) return;
      setClaims('not_checked', t('verify.check.claims.unavailable'));
      document.body.dataset.claims = 'unavailable';
    });
  }
  check();
  window.addEventListener('hashchange', check);
})();
