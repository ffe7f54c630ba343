package certs

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// sampleCredentialInput is a gold medallist's Guangdong certificate.
func sampleCredentialInput() CredentialInput {
	return CredentialInput{
		VerifyURL: "https://skills.example.org/v/Jm9vZGJhc2U2NHVybGlkIQ",
		IssuerID:  "https://skills.example.org/issuers/gd-demo",
		IssuerName: Text{
			{"zh-Hans", "广东省职业技能鉴定指导中心（演示）"},
			{"en", "Guangdong Vocational Skills Testing Centre (demo)"},
		},
		ValidFrom:   time.Date(2025, 7, 1, 10, 30, 0, 500, gbaZone),
		HolderName:  "陈嘉欣",
		HolderLatin: "CHEN Jiaxin",

		AchievementID: "https://skills.example.org/achievements/gd-demo/mechatronics/3",
		AchievementName: Text{
			{"zh-Hans", "机电一体化 三级/高级工"},
			{"en", "Mechatronics, Level 3 (Senior Worker)"},
		},
		Description: Text{
			{"zh-Hans", "持证人的机电一体化职业技能达到三级/高级工水平。"},
			{"en", "The holder's mechatronics skills meet Level 3 (Senior Worker)."},
		},
		Criteria: Text{
			{"zh-Hans", "在2025粤港澳大湾区职业技能大赛机电一体化项目中获得金牌。"},
			{"en", "Gold medal in Mechatronics at the 2025 GBA Skills Competition."},
		},
		SkillName:      "Mechatronics",
		SkillCode:      "04",
		OccupationCode: "6-31-01-03",
		Level: FrameworkLevel{
			Framework: Text{{"zh-Hans", "国家职业技能等级"}, {"en", "National Vocational Skill Levels"}},
			Code:      "3",
			Name:      Text{{"zh-Hans", "三级/高级工"}, {"en", "Level 3 (Senior Worker)"}},
			URL:       "https://skills.example.org/frameworks/cn-vsl/3",
		},
		Mappings: []LevelMapping{{
			Level: FrameworkLevel{
				Framework: Text{{"zh-Hant", "資歷架構"}, {"en", "Hong Kong Qualifications Framework"}},
				Code:      "QF4",
				Name:      Text{{"zh-Hant", "QF Level 4"}, {"en", "QF Level 4"}},
				URL:       "https://skills.example.org/frameworks/hkqf/4",
			},
		}},
		Medal:             "Gold",
		Score:             "731",
		StatusListURL:     "https://skills.example.org/status/gd-demo/revocation",
		SuspensionListURL: "https://skills.example.org/status/gd-demo/suspension",
		StatusIndex:       94567,
		EventURL:          "https://skills.example.org/events/gba-2025",
		EventName:         Text{{"zh-Hans", "2025粤港澳大湾区职业技能大赛"}, {"en", "2025 GBA Skills Competition"}},
		EventInfo:         Text{{"en", "Guangzhou, 27–29 June 2025"}},
	}
}

// goldenCredential is the credential of sampleCredentialInput, written by
// hand from the Verifiable Credentials 2.0, Open Badges 3.0 and Bitstring
// Status List specifications, not printed by the code under test.
const goldenCredential = `{
  "@context": [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
  ],
  "id": "https://skills.example.org/v/Jm9vZGJhc2U2NHVybGlkIQ",
  "type": ["VerifiableCredential", "OpenBadgeCredential"],
  "name": "机电一体化 三级/高级工 / Mechatronics, Level 3 (Senior Worker)",
  "issuer": {
    "id": "https://skills.example.org/issuers/gd-demo",
    "type": ["Profile"],
    "name": "广东省职业技能鉴定指导中心（演示） / Guangdong Vocational Skills Testing Centre (demo)"
  },
  "validFrom": "2025-07-01T02:30:00Z",
  "credentialSubject": {
    "type": ["AchievementSubject"],
    "name": "陈嘉欣 / CHEN Jiaxin",
    "identifier": [
      {"type": "IdentityObject", "identityHash": "陈嘉欣", "identityType": "name", "hashed": false},
      {"type": "IdentityObject", "identityHash": "CHEN Jiaxin", "identityType": "name", "hashed": false}
    ],
    "achievement": {
      "id": "https://skills.example.org/achievements/gd-demo/mechatronics/3",
      "type": ["Achievement"],
      "name": "机电一体化 三级/高级工 / Mechatronics, Level 3 (Senior Worker)",
      "description": "持证人的机电一体化职业技能达到三级/高级工水平。 / The holder's mechatronics skills meet Level 3 (Senior Worker).",
      "criteria": {
        "narrative": "在2025粤港澳大湾区职业技能大赛机电一体化项目中获得金牌。 / Gold medal in Mechatronics at the 2025 GBA Skills Competition."
      },
      "achievementType": "Certificate",
      "fieldOfStudy": "Mechatronics",
      "humanCode": "04",
      "otherIdentifier": [
        {"type": "IdentifierEntry", "identifier": "6-31-01-03", "identifierType": "ext:OccupationCode"}
      ],
      "alignment": [
        {
          "type": ["Alignment"],
          "targetName": "三级/高级工 / Level 3 (Senior Worker)",
          "targetUrl": "https://skills.example.org/frameworks/cn-vsl/3",
          "targetFramework": "国家职业技能等级 / National Vocational Skill Levels",
          "targetCode": "3"
        },
        {
          "type": ["Alignment"],
          "targetName": "QF Level 4",
          "targetUrl": "https://skills.example.org/frameworks/hkqf/4",
          "targetDescription": "Indicative mapping",
          "targetFramework": "資歷架構 / Hong Kong Qualifications Framework",
          "targetCode": "QF4"
        }
      ],
      "resultDescription": [
        {
          "id": "https://skills.example.org/achievements/gd-demo/mechatronics/3#medal",
          "type": ["ResultDescription"],
          "name": "Medal",
          "resultType": "Result"
        },
        {
          "id": "https://skills.example.org/achievements/gd-demo/mechatronics/3#score",
          "type": ["ResultDescription"],
          "name": "Standardised score (700 = median of the skill)",
          "resultType": "ScaledScore"
        }
      ]
    },
    "result": [
      {
        "type": ["Result"],
        "resultDescription": "https://skills.example.org/achievements/gd-demo/mechatronics/3#medal",
        "value": "Gold"
      },
      {
        "type": ["Result"],
        "resultDescription": "https://skills.example.org/achievements/gd-demo/mechatronics/3#score",
        "value": "731"
      }
    ]
  },
  "credentialStatus": [
    {
      "id": "https://skills.example.org/status/gd-demo/revocation#94567",
      "type": "BitstringStatusListEntry",
      "statusPurpose": "revocation",
      "statusListIndex": "94567",
      "statusListCredential": "https://skills.example.org/status/gd-demo/revocation"
    },
    {
      "id": "https://skills.example.org/status/gd-demo/suspension#94567",
      "type": "BitstringStatusListEntry",
      "statusPurpose": "suspension",
      "statusListIndex": "94567",
      "statusListCredential": "https://skills.example.org/status/gd-demo/suspension"
    }
  ],
  "evidence": [
    {
      "id": "https://skills.example.org/events/gba-2025",
      "type": ["Evidence"],
      "name": "2025粤港澳大湾区职业技能大赛 / 2025 GBA Skills Competition",
      "description": "Guangzhou, 27–29 June 2025"
    }
  ]
}`

// compactJSON removes the insignificant white space of a JSON text.
func compactJSON(t *testing.T, data []byte) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, data); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestNewCredentialGolden(t *testing.T) {
	c, err := NewCredential(sampleCredentialInput())
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	// Byte for byte, member order included: the output is deterministic.
	if want := compactJSON(t, []byte(goldenCredential)); string(got) != want {
		indented, _ := json.MarshalIndent(c, "", "  ")
		t.Fatalf("credential =\n%s\nwant\n%s", indented, goldenCredential)
	}
	again, _ := NewCredential(sampleCredentialInput())
	if b, _ := json.Marshal(again); !bytes.Equal(b, got) {
		t.Fatal("two builds of one credential differ")
	}
}

func TestCredentialJSONRoundTrip(t *testing.T) {
	in := sampleCredentialInput()
	in.ValidUntil = in.ValidFrom.AddDate(5, 0, 0)
	want, err := NewCredential(in)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var got Credential
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, want)
	}
	if !strings.Contains(string(data), `"validUntil":"2030-07-01T02:30:00Z"`) {
		t.Errorf("validUntil missing or not UTC whole seconds: %s", data)
	}
}

// TestCredentialRequiredFields checks the members Verifiable Credentials 2.0
// and Open Badges 3.0 require, on a credential with only the required input.
func TestCredentialRequiredFields(t *testing.T) {
	in := sampleCredentialInput()
	in.HolderName, in.Mappings, in.Medal, in.Score = "", nil, "", ""
	in.SuspensionListURL, in.EventName, in.EventURL, in.EventInfo = "", nil, "", nil
	in.SkillName, in.SkillCode, in.OccupationCode, in.IssuerURL = "", "", "", ""
	c, err := NewCredential(in)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(c)
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	get := func(path string) any {
		var v any = doc
		for _, p := range strings.Split(path, ".") {
			switch x := v.(type) {
			case map[string]any:
				v = x[p]
			case []any:
				if len(x) == 0 {
					return nil
				}
				v = x[0].(map[string]any)[p]
			default:
				return nil
			}
		}
		return v
	}
	for _, path := range []string{
		"@context", "id", "type", "name", "issuer.id", "issuer.type", "issuer.name", "validFrom",
		"credentialSubject.type", "credentialSubject.identifier.identityHash", "credentialSubject.identifier.identityType",
		"credentialSubject.identifier.hashed",
		"credentialSubject.achievement.id", "credentialSubject.achievement.type", "credentialSubject.achievement.name",
		"credentialSubject.achievement.description", "credentialSubject.achievement.criteria.narrative",
		"credentialSubject.achievement.achievementType", "credentialSubject.achievement.alignment.targetName",
		"credentialSubject.achievement.alignment.targetUrl",
		"credentialStatus.type", "credentialStatus.statusPurpose", "credentialStatus.statusListIndex",
		"credentialStatus.statusListCredential",
	} {
		if get(path) == nil {
			t.Errorf("%s missing", path)
		}
	}
	ctx := doc["@context"].([]any)
	if ctx[0] != "https://www.w3.org/ns/credentials/v2" {
		t.Errorf("first @context = %v: VC 2.0 requires its base context first", ctx[0])
	}
	if _, ok := get("credentialStatus.statusListIndex").(string); !ok {
		t.Error("statusListIndex must be a string")
	}
	for _, absent := range []string{"validUntil", "evidence", "credentialSubject.result", "credentialSubject.achievement.resultDescription", "issuer.url"} {
		if get(absent) != nil {
			t.Errorf("%s present without input", absent)
		}
	}
	if strings.Contains(string(data), "nationalIdentityNumber") {
		t.Error("an identity-document number type in the credential")
	}
	if n := len(c.CredentialSubject.Identifier); n != 1 || c.CredentialSubject.Name != "CHEN Jiaxin" {
		t.Errorf("subject = %+v", c.CredentialSubject)
	}
}

func TestNewCredentialRefuses(t *testing.T) {
	change := func(f func(*CredentialInput)) CredentialInput { in := sampleCredentialInput(); f(&in); return in }
	tests := []struct {
		name string
		in   CredentialInput
	}{
		{"no verification URL", change(func(in *CredentialInput) { in.VerifyURL = "" })},
		{"relative verification URL", change(func(in *CredentialInput) { in.VerifyURL = "/v/abc" })},
		{"URL without host", change(func(in *CredentialInput) { in.VerifyURL = "https:///v/abc" })},
		{"issuer id not a URL", change(func(in *CredentialInput) { in.IssuerID = "gd-demo" })},
		{"no issuer name", change(func(in *CredentialInput) { in.IssuerName = Text{{"en", " "}} })},
		{"no validFrom", change(func(in *CredentialInput) { in.ValidFrom = time.Time{} })},
		{"validUntil before validFrom", change(func(in *CredentialInput) { in.ValidUntil = in.ValidFrom.Add(-time.Hour) })},
		{"no holder", change(func(in *CredentialInput) { in.HolderName, in.HolderLatin = "", " " })},
		{"achievement id with a fragment", change(func(in *CredentialInput) { in.AchievementID += "#x" })},
		{"no achievement name", change(func(in *CredentialInput) { in.AchievementName = nil })},
		{"no criteria", change(func(in *CredentialInput) { in.Criteria = nil })},
		{"no level URL", change(func(in *CredentialInput) { in.Level.URL = "" })},
		{"no level code", change(func(in *CredentialInput) { in.Level.Code = "" })},
		{"official mapping without reference", change(func(in *CredentialInput) { in.Mappings[0].Official = true })},
		{"mapping without URL", change(func(in *CredentialInput) { in.Mappings[0].Level.URL = "" })},
		{"no status list", change(func(in *CredentialInput) { in.StatusListURL = "" })},
		{"negative status index", change(func(in *CredentialInput) { in.StatusIndex = -1 })},
		{"event URL with a space", change(func(in *CredentialInput) { in.EventURL = "https://x.org/a b" })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewCredential(tt.in); !errors.Is(err, ErrInvalidCredential) {
				t.Fatalf("err = %v, want ErrInvalidCredential", err)
			}
		})
	}
}

func TestOfficialMapping(t *testing.T) {
	in := sampleCredentialInput()
	in.Mappings[0].Official, in.Mappings[0].Reference = true, "GBA-MRA-2024-07"
	c, err := NewCredential(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.CredentialSubject.Achievement.Alignment[1].TargetDescription; got != "Official mapping: GBA-MRA-2024-07" {
		t.Errorf("targetDescription = %q", got)
	}
}

func TestTextString(t *testing.T) {
	tests := []struct {
		text Text
		want string
	}{
		{nil, ""},
		{Text{{"en", "Gold"}}, "Gold"},
		{Text{{"zh-Hans", "金牌"}, {"en", "Gold"}}, "金牌 / Gold"},
		{Text{{"zh-Hant", "QF Level 4"}, {"en", "QF Level 4"}}, "QF Level 4"},
		{Text{{"zh-Hans", " "}, {"en", " Gold "}, {"pt", "Ouro"}}, "Gold / Ouro"},
	}
	for _, tt := range tests {
		if got := tt.text.String(); got != tt.want {
			t.Errorf("%v: got %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestSignCredential(t *testing.T) {
	key := testEdKey(1)
	kid := testKID(t, key)
	keys := testKeySet(t, key)
	c, err := NewCredential(sampleCredentialInput())
	if err != nil {
		t.Fatal(err)
	}
	jws, err := SignCredential(c, key, kid)
	if err != nil {
		t.Fatal(err)
	}
	got, h, err := ParseCredentialJWS(jws, keys)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) || h.Typ != "vc+jwt" || h.KID != kid {
		t.Fatalf("ParseCredentialJWS = %+v, %+v", got, h)
	}
	// The credential's JWS is not QR claims, and the other way round.
	if _, _, err := ParseClaims(jws, keys); err == nil {
		t.Error("a signed credential accepted as QR claims")
	}
	claims, _ := IssueClaims(sampleClaims()["guangdong"], key, kid)
	if _, _, err := ParseCredentialJWS(claims, keys); err == nil {
		t.Error("QR claims accepted as a signed credential")
	}
	// A key compromised before validFrom fails it.
	compromised, _ := NewKeySet(TrustedKey{KID: kid, Key: key.Public(), CompromisedAt: c.ValidFrom.Add(-time.Hour)})
	if _, _, err := ParseCredentialJWS(jws, compromised); !errors.Is(err, ErrKeyCompromised) {
		t.Errorf("compromised key: err = %v", err)
	}
	// Any altered character fails it.
	for _, i := range []int{5, len(jws) / 2, len(jws) - 5} {
		bad := jws[:i] + "A" + jws[i+1:]
		if jws[i] == 'A' {
			bad = jws[:i] + "B" + jws[i+1:]
		}
		if _, _, err := ParseCredentialJWS(bad, keys); err == nil {
			t.Errorf("character %d altered: accepted", i)
		}
	}
	if _, err := SignCredential(Credential{}, key, kid); err == nil {
		t.Error("signed an empty credential")
	}
}
