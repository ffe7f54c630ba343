// Package certs holds the certificate rules of bayskills (DESIGN §7 and §8):
// certificate numbering, the signed claims carried by the QR code, signing
// and signing keys, revocation status lists, PDF rendering and QR codes.
//
// It speaks neither HTTP nor SQL and imports nothing else of the project,
// so that issuance and offline verification share exactly the same rules
// and can be tested without a server or a database.
package certs
