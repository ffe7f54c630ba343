package certs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestShippedFrameworks checks the frameworks file shipped in assets: the
// three regions' frameworks with the levels DESIGN §7 names, in order.
func TestShippedFrameworks(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "assets", "frameworks", "frameworks.json"))
	if err != nil {
		t.Fatal(err)
	}
	fws, err := ParseFrameworks(data)
	if err != nil {
		t.Fatal(err)
	}
	byCode := map[string]Framework{}
	for _, f := range fws {
		byCode[f.Code] = f
	}
	var cn []string
	for _, l := range byCode["CN-VSL"].Levels {
		cn = append(cn, l.Name.ZhHans)
	}
	if got := strings.Join(cn, " "); got != "学徒工 五级/初级工 四级/中级工 三级/高级工 二级/技师 一级/高级技师 特级技师 首席技师" {
		t.Errorf("Mainland levels, lowest first: %s", got)
	}
	if l, ok := byCode["CN-VSL"].Level("1"); !ok || l.Digit != "1" || l.Rank <= 0 {
		t.Errorf("一级 %+v: want digit 1", l)
	}
	if n := len(byCode["HKQF"].Levels); n != 7 {
		t.Errorf("HKQF has %d levels, want 7", n)
	}
	mo := byCode["MO-DSAL"]
	if l, _ := mo.Level("advanced"); l.Name.ZhHant != "高級" || l.Name.Pt != "Nível elevado" {
		t.Errorf("Macao advanced level %+v", l)
	}
}

func TestParseFrameworksRefusesBadData(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"not JSON", `{`, "frameworks:"},
		{"unknown region", `{"frameworks":[{"code":"X","region":"TW","levels":[{"code":"1","rank":1,"name":{"en":"a"}}]}]}`, "region must be"},
		{"ranks fall", `{"frameworks":[{"code":"X","region":"HK","levels":[{"code":"1","rank":2,"name":{"en":"a","zh-Hant":"甲"}},{"code":"2","rank":1,"name":{"en":"b","zh-Hant":"乙"}}]}]}`, "ranks must rise"},
		{"no native name", `{"frameworks":[{"code":"X","region":"GD","levels":[{"code":"1","rank":1,"name":{"en":"a"}}]}]}`, "one in zh-Hans"},
		{"digit twice", `{"frameworks":[{"code":"X","region":"GD","levels":[{"code":"1","rank":1,"digit":"1","name":{"en":"a","zh-Hans":"甲"}},{"code":"2","rank":2,"digit":"1","name":{"en":"b","zh-Hans":"乙"}}]}]}`, "used once"},
		{"repeated framework", `{"frameworks":[{"code":"X","region":"HK","levels":[{"code":"1","rank":1,"name":{"en":"a","zh-Hant":"甲"}}]},{"code":"X","region":"HK","levels":[{"code":"1","rank":1,"name":{"en":"a","zh-Hant":"甲"}}]}]}`, "defined twice"},
	} {
		if _, err := ParseFrameworks([]byte(tc.data)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error mentioning %q", tc.name, err, tc.want)
		}
	}
}
