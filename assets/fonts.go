package assets

import _ "embed" // for the fonts

// The fonts documents (result sheets, certificates) are set in, TrueType
// files as certs.NewFonts takes them. fonts/README.md says where each comes
// from and under which licence; the licence texts are beside them.
var (
	// FontLatin is DejaVu Sans: Latin (with the Portuguese accents),
	// Greek, Cyrillic, digits, punctuation and symbols.
	//
	//go:embed fonts/DejaVuSans.ttf
	FontLatin []byte

	// FontLatinBold is DejaVu Sans Bold, the bold of FontLatin.
	//
	//go:embed fonts/DejaVuSans-Bold.ttf
	FontLatinBold []byte

	// FontCJK is Droid Sans Fallback (full): simplified and traditional
	// Chinese (CJK Unified Ideographs and Extension A), kana and CJK
	// punctuation. It has no Latin letters, hence FontLatin.
	//
	//go:embed fonts/DroidSansFallbackFull.ttf
	FontCJK []byte
)
