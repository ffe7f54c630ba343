// Package assets embeds everything the binary serves or loads besides code:
// the OpenAPI document and the demo event (later also pages, fonts and
// catalogs).
package assets

import "embed"

// OpenAPI is the hand-written OpenAPI 3 document of the API.
//
//go:embed openapi.json
var OpenAPI []byte

// Demo holds the demo event: demo/event.json, demo/competitors.csv,
// demo/judges.csv and a marking scheme per skill in demo/schemes/CODE.csv.
//
//go:embed demo
var Demo embed.FS
