package assets

import _ "embed" // for the frameworks

// Frameworks is the qualification frameworks of the three regions, with
// their levels (DESIGN §7), as certs.ParseFrameworks reads them.
//
//go:embed frameworks/frameworks.json
var Frameworks []byte
