package assets

import "embed"

// Web holds the pages: web/templates/*.html (html/template, one file a
// page, each defining "title" and "content" for base.html), web/static/
// (CSS, JavaScript, the service worker, icons) and web/i18n/LANG.json (the
// catalogs of English, 简体中文, 繁體中文 and Português, one flat object
// of message keys each).
//
//go:embed web
var Web embed.FS
